/// Runs of consecutive integers in sorted `v`, as "a" or "a-b", joined by ",".
pub fn summarize_ranges(v: &[i32]) -> String {
    todo!()
}
