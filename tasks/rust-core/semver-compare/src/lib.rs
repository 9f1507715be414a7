use std::cmp::Ordering;
use std::fmt;

/// `MAJOR.MINOR.PATCH[-PRE]`; `pre` is empty for a release.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Vec<String>,
}

impl Version {
    pub fn new(major: u64, minor: u64, patch: u64) -> Version {
        todo!()
    }

    pub fn parse(s: &str) -> Option<Version> {
        todo!()
    }

    pub fn bump_major(&self) -> Option<Version> {
        todo!()
    }

    pub fn bump_minor(&self) -> Option<Version> {
        todo!()
    }

    pub fn bump_patch(&self) -> Option<Version> {
        todo!()
    }

    /// Whether `candidate` satisfies `^self`.
    pub fn caret_matches(&self, candidate: &Version) -> bool {
        todo!()
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        todo!()
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        todo!()
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!()
    }
}
