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
    /// Index 0 is the global section "".
    sections: Vec<(String, Vec<(String, String)>)>,
}

impl Ini {
    pub fn parse(text: &str) -> Result<Ini, IniError> {
        let mut sections: Vec<(String, Vec<(String, String)>)> = vec![(String::new(), Vec::new())];
        let mut cur = 0;
        for (i, raw) in text.split('\n').enumerate() {
            let no = i + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw).trim();
            if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                let Some(inner) = rest.strip_suffix(']') else { return Err(IniError::MissingBracket(no)) };
                let name = inner.trim();
                if name.is_empty() {
                    return Err(IniError::EmptySectionName(no));
                }
                if sections[1..].iter().any(|(n, _)| n == name) {
                    return Err(IniError::DuplicateSection(no, name.to_string()));
                }
                sections.push((name.to_string(), Vec::new()));
                cur = sections.len() - 1;
                continue;
            }
            let Some((k, v)) = line.split_once('=') else { return Err(IniError::MissingEquals(no)) };
            let key = k.trim();
            if key.is_empty() {
                return Err(IniError::EmptyKey(no));
            }
            let mut value = v.trim();
            if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
                value = &value[1..value.len() - 1];
            }
            let entries = &mut sections[cur].1;
            if entries.iter().any(|(ek, _)| ek == key) {
                return Err(IniError::DuplicateKey(no, key.to_string()));
            }
            entries.push((key.to_string(), value.to_string()));
        }
        Ok(Ini { sections })
    }

    fn section(&self, name: &str) -> Option<&Vec<(String, String)>> {
        self.sections.iter().find(|(n, _)| n == name).map(|(_, e)| e)
    }

    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.section(section)?.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Global section first if it has keys, then declared sections in order.
    pub fn sections(&self) -> Vec<String> {
        self.sections
            .iter()
            .enumerate()
            .filter(|(i, (_, e))| *i > 0 || !e.is_empty())
            .map(|(_, (n, _))| n.clone())
            .collect()
    }

    pub fn keys(&self, section: &str) -> Option<Vec<String>> {
        Some(self.section(section)?.iter().map(|(k, _)| k.clone()).collect())
    }

    pub fn get_int(&self, section: &str, key: &str) -> Option<i64> {
        self.get(section, key)?.parse().ok()
    }

    pub fn get_bool(&self, section: &str, key: &str) -> Option<bool> {
        match self.get(section, key)?.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Some(true),
            "false" | "no" | "off" | "0" => Some(false),
            _ => None,
        }
    }
}
