/// `board[row][col]`; 0 = empty, 1..=9 = digit.
pub type Board = [[u8; 9]; 9];

/// 81 cells of `1-9`, `.` or `0`; whitespace ignored.
pub fn parse_board(s: &str) -> Option<Board> {
    todo!()
}

/// 9 lines of 9 chars, `.` for empty.
pub fn format_board(board: &Board) -> String {
    todo!()
}

pub fn is_valid(board: &Board) -> bool {
    todo!()
}

pub fn is_solved(board: &Board) -> bool {
    todo!()
}

pub fn solve(board: &Board) -> Option<Board> {
    todo!()
}

/// Solutions counted up to `limit`.
pub fn count_solutions(board: &Board, limit: usize) -> usize {
    todo!()
}
