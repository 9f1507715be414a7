use grid_neighbours::*;

#[test]
fn corner_neighbours() {
    let g = Grid::new(3, 3, 0).unwrap();
    assert_eq!(g.neighbours4(0, 0), vec![(1, 0), (0, 1)]);
    assert_eq!(g.neighbours8(0, 0), vec![(1, 0), (0, 1), (1, 1)]);
}

#[test]
fn get_and_set() {
    let mut g = Grid::new(2, 3, '.').unwrap();
    assert!(g.set(1, 2, '#'));
    assert_eq!(g.get(1, 2), Some(&'#'));
    assert_eq!(g.to_rows(), vec![vec!['.', '.'], vec!['.', '.'], vec!['.', '#']]);
}
