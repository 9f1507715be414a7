use sudoku_solver::*;

const CLASSIC: &str = "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79";
const CLASSIC_SOLUTION: &str = "534678912\n672195348\n198342567\n859761423\n426853791\n713924856\n961537284\n287419635\n345286179";
const HARD: &str = "
8........
..36.....
.7..9.2..
.5...7...
....457..
...1...3.
..1....68
..85...1.
.9....4..";
const HARD_SOLUTION: &str = "812753649\n943682175\n675491283\n154237896\n369845721\n287169534\n521974368\n438526917\n796318452";

/// Independent check: full, rows/cols/boxes are permutations of 1..=9, givens kept.
fn check_solution(given: &Board, s: &Board) {
    for i in 0..9 {
        let mut row: Vec<u8> = s[i].to_vec();
        let mut col: Vec<u8> = (0..9).map(|r| s[r][i]).collect();
        let mut bx: Vec<u8> = (0..9).map(|k| s[i / 3 * 3 + k / 3][i % 3 * 3 + k % 3]).collect();
        row.sort();
        col.sort();
        bx.sort();
        let want: Vec<u8> = (1..=9).collect();
        assert_eq!(row, want);
        assert_eq!(col, want);
        assert_eq!(bx, want);
    }
    for r in 0..9 {
        for c in 0..9 {
            if given[r][c] != 0 {
                assert_eq!(given[r][c], s[r][c]);
            }
        }
    }
}

#[test]
fn parse_rules() {
    let b = parse_board(CLASSIC).unwrap();
    assert_eq!(b[0], [5, 3, 0, 0, 7, 0, 0, 0, 0]);
    assert_eq!(b[8][8], 9);
    let zeros = CLASSIC.replace('.', "0");
    assert_eq!(parse_board(&zeros), Some(b));
    let spaced: String = CLASSIC.chars().flat_map(|c| [c, ' ', '\t']).collect();
    assert_eq!(parse_board(&spaced), Some(b));
    assert_eq!(parse_board(&CLASSIC[1..]), None);
    assert_eq!(parse_board(&format!("{CLASSIC}1")), None);
    assert_eq!(parse_board(&CLASSIC.replacen('.', "x", 1)), None);
    assert_eq!(parse_board(""), None);
}

#[test]
fn format_round_trip() {
    let b = parse_board(CLASSIC).unwrap();
    let f = format_board(&b);
    assert_eq!(f.lines().count(), 9);
    assert_eq!(f.lines().next(), Some("53..7...."));
    assert!(!f.ends_with('\n'));
    assert_eq!(parse_board(&f), Some(b));
    assert_eq!(format_board(&[[0; 9]; 9]), vec![".........".to_string(); 9].join("\n"));
}

#[test]
fn validity_rules() {
    let b = parse_board(CLASSIC).unwrap();
    assert!(is_valid(&b));
    assert!(!is_solved(&b));
    let mut col = b;
    col[8][0] = 5;
    assert!(!is_valid(&col));
    let mut bx = b;
    bx[1][1] = 9;
    assert!(!is_valid(&bx));
    let mut big = b;
    big[4][4] = 10;
    assert!(!is_valid(&big));
    assert!(is_valid(&[[0; 9]; 9]));
}

#[test]
fn classic_unique_solution() {
    let b = parse_board(CLASSIC).unwrap();
    let s = solve(&b).unwrap();
    check_solution(&b, &s);
    assert_eq!(format_board(&s), CLASSIC_SOLUTION);
    assert!(is_solved(&s));
    assert_eq!(count_solutions(&b, 5), 1);
}

#[test]
fn hard_puzzle() {
    let b = parse_board(HARD).unwrap();
    let s = solve(&b).unwrap();
    check_solution(&b, &s);
    assert_eq!(format_board(&s), HARD_SOLUTION);
}

#[test]
fn solved_board_is_its_own_solution() {
    let s = parse_board(CLASSIC_SOLUTION).unwrap();
    assert!(is_solved(&s));
    assert_eq!(solve(&s), Some(s));
    assert_eq!(count_solutions(&s, 3), 1);
}

#[test]
fn invalid_and_unsolvable() {
    let mut dup = parse_board(CLASSIC).unwrap();
    dup[0][2] = 3;
    assert_eq!(solve(&dup), None);
    assert_eq!(count_solutions(&dup, 10), 0);
    let stuck = parse_board(
        "12345678.\n........9\n.........\n.........\n.........\n.........\n.........\n.........\n.........",
    )
    .unwrap();
    assert!(is_valid(&stuck));
    assert_eq!(solve(&stuck), None);
    assert_eq!(count_solutions(&stuck, 2), 0);
}

#[test]
fn empty_board_and_limits() {
    let empty = [[0u8; 9]; 9];
    let s = solve(&empty).unwrap();
    check_solution(&empty, &s);
    assert_eq!(count_solutions(&empty, 5), 5);
    assert_eq!(count_solutions(&empty, 0), 0);
}

#[test]
fn two_solutions() {
    let mut b = parse_board(CLASSIC_SOLUTION).unwrap();
    for (r, c) in [(3, 5), (3, 8), (4, 5), (4, 8)] {
        b[r][c] = 0;
    }
    assert_eq!(count_solutions(&b, 10), 2);
    assert_eq!(count_solutions(&b, 1), 1);
    let s = solve(&b).unwrap();
    check_solution(&b, &s);
}
