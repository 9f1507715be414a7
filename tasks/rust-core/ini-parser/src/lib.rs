#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IniError {
    MissingBracket(usize),
    EmptySectionName(usize),
    DuplicateSection(usize, String),
    MissingEquals(usize),
    EmptyKey(usize),
    DuplicateKey(usize, String),
}

/// Parsed INI document. Private fields may change.
pub struct Ini {
    sections: Vec<(String, Vec<(String, String)>)>,
}

impl Ini {
    pub fn parse(text: &str) -> Result<Ini, IniError> {
        todo!()
    }

    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        todo!()
    }

    /// Global section first if it has keys, then declared sections in order.
    pub fn sections(&self) -> Vec<String> {
        todo!()
    }

    pub fn keys(&self, section: &str) -> Option<Vec<String>> {
        todo!()
    }

    pub fn get_int(&self, section: &str, key: &str) -> Option<i64> {
        todo!()
    }

    pub fn get_bool(&self, section: &str, key: &str) -> Option<bool> {
        todo!()
    }
}
