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

fn is_numeric(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_number(s: &str) -> Option<u64> {
    if !is_numeric(s) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

fn valid_ident(s: &str) -> bool {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return false;
    }
    !(is_numeric(s) && s.len() > 1 && s.starts_with('0'))
}

fn cmp_ident(a: &str, b: &str) -> Ordering {
    match (is_numeric(a), is_numeric(b)) {
        (true, true) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.as_bytes().cmp(b.as_bytes()),
    }
}

impl Version {
    pub fn new(major: u64, minor: u64, patch: u64) -> Version {
        Version { major, minor, patch, pre: Vec::new() }
    }

    pub fn parse(s: &str) -> Option<Version> {
        let (core, pre) = match s.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (s, None),
        };
        let nums: Vec<&str> = core.split('.').collect();
        if nums.len() != 3 {
            return None;
        }
        let mut v = Version::new(parse_number(nums[0])?, parse_number(nums[1])?, parse_number(nums[2])?);
        if let Some(p) = pre {
            for ident in p.split('.') {
                if !valid_ident(ident) {
                    return None;
                }
                v.pre.push(ident.to_string());
            }
        }
        Some(v)
    }

    pub fn bump_major(&self) -> Option<Version> {
        Some(Version::new(self.major.checked_add(1)?, 0, 0))
    }

    pub fn bump_minor(&self) -> Option<Version> {
        Some(Version::new(self.major, self.minor.checked_add(1)?, 0))
    }

    pub fn bump_patch(&self) -> Option<Version> {
        Some(Version::new(self.major, self.minor, self.patch.checked_add(1)?))
    }

    /// Whether `candidate` satisfies `^self`.
    pub fn caret_matches(&self, candidate: &Version) -> bool {
        if candidate < self {
            return false;
        }
        if self.major > 0 {
            candidate.major == self.major
        } else if self.minor > 0 {
            candidate.major == 0 && candidate.minor == self.minor
        } else {
            candidate.major == 0 && candidate.minor == 0 && candidate.patch == self.patch
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let o = cmp_ident(a, b);
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre.join("."))?;
        }
        Ok(())
    }
}
