/// True when `()`, `[]`, `{}` in `s` are properly matched and nested; other chars ignored.
pub fn is_balanced(s: &str) -> bool {
    let mut stack = Vec::new();
    for c in s.chars() {
        match c {
            '(' | '[' | '{' => stack.push(c),
            ')' => if stack.pop() != Some('(') { return false },
            ']' => if stack.pop() != Some('[') { return false },
            '}' => if stack.pop() != Some('{') { return false },
            _ => {}
        }
    }
    stack.is_empty()
}
