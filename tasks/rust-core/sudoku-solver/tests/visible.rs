use sudoku_solver::*;

const PUZZLE: &str = "
53..7....
6..195...
.98....6.
8...6...3
4..8.3..1
7...2...6
.6....28.
...419..5
....8..79";

#[test]
fn solves_classic_puzzle() {
    let b = parse_board(PUZZLE).unwrap();
    let s = solve(&b).unwrap();
    assert!(is_solved(&s));
    assert_eq!(format_board(&s).lines().next(), Some("534678912"));
}

#[test]
fn detects_duplicate_in_row() {
    let mut b = parse_board(PUZZLE).unwrap();
    b[0][2] = 5;
    assert!(!is_valid(&b));
}
