/// `board[row][col]`; 0 = empty, 1..=9 = digit.
pub type Board = [[u8; 9]; 9];

/// 81 cells of `1-9`, `.` or `0`; whitespace ignored.
pub fn parse_board(s: &str) -> Option<Board> {
    let mut b: Board = [[0; 9]; 9];
    let mut n = 0;
    for c in s.chars() {
        if c.is_whitespace() {
            continue;
        }
        let v = match c {
            '.' | '0' => 0,
            '1'..='9' => c as u8 - b'0',
            _ => return None,
        };
        if n == 81 {
            return None;
        }
        b[n / 9][n % 9] = v;
        n += 1;
    }
    if n == 81 { Some(b) } else { None }
}

/// 9 lines of 9 chars, `.` for empty.
pub fn format_board(board: &Board) -> String {
    board
        .iter()
        .map(|row| row.iter().map(|&v| if v == 0 { '.' } else { (b'0' + v) as char }).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

struct State {
    board: Board,
    rows: [u16; 9],
    cols: [u16; 9],
    boxes: [u16; 9],
}

fn bx(r: usize, c: usize) -> usize {
    r / 3 * 3 + c / 3
}

fn state(board: &Board) -> Option<State> {
    let mut s = State { board: *board, rows: [0; 9], cols: [0; 9], boxes: [0; 9] };
    for r in 0..9 {
        for c in 0..9 {
            let v = board[r][c];
            if v > 9 {
                return None;
            }
            if v == 0 {
                continue;
            }
            let bit = 1u16 << v;
            if s.rows[r] & bit != 0 || s.cols[c] & bit != 0 || s.boxes[bx(r, c)] & bit != 0 {
                return None;
            }
            s.rows[r] |= bit;
            s.cols[c] |= bit;
            s.boxes[bx(r, c)] |= bit;
        }
    }
    Some(s)
}

pub fn is_valid(board: &Board) -> bool {
    state(board).is_some()
}

pub fn is_solved(board: &Board) -> bool {
    is_valid(board) && board.iter().all(|r| r.iter().all(|&v| v != 0))
}

/// Depth-first search; calls `found` for each solution until it returns false.
fn search(s: &mut State, found: &mut dyn FnMut(&Board) -> bool) -> bool {
    let mut best: Option<(usize, usize, u16)> = None;
    for r in 0..9 {
        for c in 0..9 {
            if s.board[r][c] != 0 {
                continue;
            }
            let free = !(s.rows[r] | s.cols[c] | s.boxes[bx(r, c)]) & 0b11_1111_1110;
            if best.is_none_or(|(_, _, m)| free.count_ones() < m.count_ones()) {
                best = Some((r, c, free));
            }
        }
    }
    let Some((r, c, free)) = best else { return found(&s.board) };
    for v in 1..=9u8 {
        let bit = 1u16 << v;
        if free & bit == 0 {
            continue;
        }
        s.board[r][c] = v;
        s.rows[r] |= bit;
        s.cols[c] |= bit;
        s.boxes[bx(r, c)] |= bit;
        let go_on = search(s, found);
        s.board[r][c] = 0;
        s.rows[r] &= !bit;
        s.cols[c] &= !bit;
        s.boxes[bx(r, c)] &= !bit;
        if !go_on {
            return false;
        }
    }
    true
}

pub fn solve(board: &Board) -> Option<Board> {
    let mut s = state(board)?;
    let mut out = None;
    search(&mut s, &mut |b| {
        out = Some(*b);
        false
    });
    out
}

/// Solutions counted up to `limit`.
pub fn count_solutions(board: &Board, limit: usize) -> usize {
    if limit == 0 {
        return 0;
    }
    let Some(mut s) = state(board) else { return 0 };
    let mut n = 0;
    search(&mut s, &mut |_| {
        n += 1;
        n < limit
    });
    n
}
