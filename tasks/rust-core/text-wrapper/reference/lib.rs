/// Greedy line wrapper with a line prefix. Private fields may change.
pub struct TextWrapper {
    width: usize,
    prefix: String,
    break_long: bool,
}

impl TextWrapper {
    /// `None` unless the prefix is shorter than `width` (in chars).
    pub fn new(width: usize, prefix: &str) -> Option<TextWrapper> {
        if prefix.chars().count() >= width {
            return None;
        }
        Some(TextWrapper { width, prefix: prefix.to_string(), break_long: false })
    }

    /// Builder: split words longer than the available room.
    pub fn break_long_words(mut self, on: bool) -> TextWrapper {
        self.break_long = on;
        self
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn wrap(&self, text: &str) -> Vec<String> {
        let avail = self.width - self.prefix.chars().count();
        let mut lines = Vec::new();
        let mut cur = String::new();
        let mut cur_len = 0usize;
        let flush = |cur: &mut String, cur_len: &mut usize, lines: &mut Vec<String>| {
            if *cur_len > 0 {
                lines.push(format!("{}{}", self.prefix, cur));
                cur.clear();
                *cur_len = 0;
            }
        };
        for word in text.split_whitespace() {
            let chars: Vec<char> = word.chars().collect();
            let len = chars.len();
            if len > avail && self.break_long {
                flush(&mut cur, &mut cur_len, &mut lines);
                let pieces: Vec<String> = chars.chunks(avail).map(|c| c.iter().collect()).collect();
                let (last, full) = pieces.split_last().expect("word is non-empty");
                for p in full {
                    lines.push(format!("{}{}", self.prefix, p));
                }
                cur = last.clone();
                cur_len = last.chars().count();
            } else if cur_len == 0 {
                cur = word.to_string();
                cur_len = len;
            } else if cur_len + 1 + len <= avail {
                cur.push(' ');
                cur.push_str(word);
                cur_len += 1 + len;
            } else {
                flush(&mut cur, &mut cur_len, &mut lines);
                cur = word.to_string();
                cur_len = len;
            }
        }
        flush(&mut cur, &mut cur_len, &mut lines);
        lines
    }

    /// `wrap` joined with newlines.
    pub fn fill(&self, text: &str) -> String {
        self.wrap(text).join("\n")
    }
}
