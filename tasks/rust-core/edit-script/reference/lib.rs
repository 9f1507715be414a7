#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Keep(char),
    Insert(char),
    Delete(char),
    Replace(char, char),
}

fn table(a: &[char], b: &[char]) -> Vec<Vec<usize>> {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for j in 0..=m {
        d[0][j] = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let sub = d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = sub.min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
        }
    }
    d
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // two-row version
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A minimal script turning `a` into `b`.
pub fn edit_script(a: &str, b: &str) -> Vec<Edit> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let d = table(&a, &b);
    let (mut i, mut j) = (a.len(), b.len());
    let mut out = Vec::new();
    while i > 0 || j > 0 {
        if i > 0 && j > 0 && a[i - 1] == b[j - 1] && d[i][j] == d[i - 1][j - 1] {
            out.push(Edit::Keep(a[i - 1]));
            i -= 1;
            j -= 1;
        } else if i > 0 && j > 0 && d[i][j] == d[i - 1][j - 1] + 1 && a[i - 1] != b[j - 1] {
            out.push(Edit::Replace(a[i - 1], b[j - 1]));
            i -= 1;
            j -= 1;
        } else if i > 0 && d[i][j] == d[i - 1][j] + 1 {
            out.push(Edit::Delete(a[i - 1]));
            i -= 1;
        } else {
            out.push(Edit::Insert(b[j - 1]));
            j -= 1;
        }
    }
    out.reverse();
    out
}

/// Run `script` on `a`; `None` if it does not fit `a`.
pub fn apply(a: &str, script: &[Edit]) -> Option<String> {
    let mut src = a.chars();
    let mut out = String::new();
    for e in script {
        match *e {
            Edit::Keep(c) => {
                if src.next()? != c {
                    return None;
                }
                out.push(c);
            }
            Edit::Delete(c) => {
                if src.next()? != c {
                    return None;
                }
            }
            Edit::Replace(x, y) => {
                if src.next()? != x {
                    return None;
                }
                out.push(y);
            }
            Edit::Insert(c) => out.push(c),
        }
    }
    if src.next().is_some() {
        return None;
    }
    Some(out)
}

/// Number of non-`Keep` edits.
pub fn cost(script: &[Edit]) -> usize {
    script.iter().filter(|e| !matches!(e, Edit::Keep(_))).count()
}
