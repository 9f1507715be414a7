/// Greedy line wrapper with a line prefix. Private fields may change.
pub struct TextWrapper {
    width: usize,
    prefix: String,
    break_long: bool,
}

impl TextWrapper {
    /// `None` unless the prefix is shorter than `width` (in chars).
    pub fn new(width: usize, prefix: &str) -> Option<TextWrapper> {
        todo!()
    }

    /// Builder: split words longer than the available room.
    pub fn break_long_words(self, on: bool) -> TextWrapper {
        todo!()
    }

    pub fn width(&self) -> usize {
        todo!()
    }

    pub fn wrap(&self, text: &str) -> Vec<String> {
        todo!()
    }

    /// `wrap` joined with newlines.
    pub fn fill(&self, text: &str) -> String {
        todo!()
    }
}
