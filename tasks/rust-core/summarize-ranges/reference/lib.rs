/// Runs of consecutive integers in sorted `v`, as "a" or "a-b", joined by ",".
pub fn summarize_ranges(v: &[i32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let start = v[i];
        let mut end = start;
        let mut j = i + 1;
        while j < v.len() && (v[j] as i64) <= end as i64 + 1 {
            end = v[j];
            j += 1;
        }
        if start == end {
            parts.push(start.to_string());
        } else {
            parts.push(format!("{}-{}", start, end));
        }
        i = j;
    }
    parts.join(",")
}
