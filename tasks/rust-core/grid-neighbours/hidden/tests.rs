use grid_neighbours::*;

fn bools(rows: &[&str]) -> Grid<bool> {
    Grid::from_rows(rows.iter().map(|r| r.chars().map(|c| c == '#').collect()).collect()).unwrap()
}

fn show(g: &Grid<bool>) -> Vec<String> {
    g.to_rows().iter().map(|r| r.iter().map(|&b| if b { '#' } else { '.' }).collect()).collect()
}

#[test]
fn invalid_shapes() {
    assert!(Grid::new(0, 3, 1).is_none());
    assert!(Grid::new(3, 0, 1).is_none());
    assert!(Grid::<u8>::from_rows(vec![]).is_none());
    assert!(Grid::<u8>::from_rows(vec![vec![]]).is_none());
    assert!(Grid::from_rows(vec![vec![1, 2], vec![3]]).is_none());
    let g = Grid::from_rows(vec![vec![1, 2, 3], vec![4, 5, 6]]).unwrap();
    assert_eq!((g.width(), g.height()), (3, 2));
    assert_eq!(g.get(2, 1), Some(&6));
}

#[test]
fn out_of_range_access() {
    let mut g = Grid::new(2, 2, 0).unwrap();
    assert_eq!(g.get(2, 0), None);
    assert_eq!(g.get(0, 2), None);
    assert!(!g.set(5, 5, 1));
    assert_eq!(g.to_rows(), vec![vec![0, 0], vec![0, 0]]);
    assert_eq!(g.neighbours4(2, 0), vec![]);
    assert_eq!(g.neighbours8(0, 9), vec![]);
    assert_eq!(g.count_around(3, 3, |_| true), 0);
}

#[test]
fn interior_neighbour_order() {
    let g = Grid::new(3, 3, 0).unwrap();
    assert_eq!(g.neighbours4(1, 1), vec![(1, 0), (2, 1), (1, 2), (0, 1)]);
    assert_eq!(
        g.neighbours8(1, 1),
        vec![(0, 0), (1, 0), (2, 0), (0, 1), (2, 1), (0, 2), (1, 2), (2, 2)]
    );
}

#[test]
fn edge_neighbour_order() {
    let g = Grid::new(4, 3, 0).unwrap();
    assert_eq!(g.neighbours4(3, 1), vec![(3, 0), (3, 2), (2, 1)]);
    assert_eq!(g.neighbours8(3, 2), vec![(2, 1), (3, 1), (2, 2)]);
    let line = Grid::new(1, 1, 0).unwrap();
    assert_eq!(line.neighbours8(0, 0), vec![]);
}

#[test]
fn count_and_map() {
    let g = Grid::from_rows(vec![vec![1, 2, 3], vec![4, 5, 6], vec![7, 8, 9]]).unwrap();
    assert_eq!(g.count_around(1, 1, |v| v % 2 == 0), 4);
    assert_eq!(g.count_around(0, 0, |v| *v > 1), 3);
    let m = g.map(|v| v * 10);
    assert_eq!(m.to_rows(), vec![vec![10, 20, 30], vec![40, 50, 60], vec![70, 80, 90]]);
    let s = g.map(|v| v.to_string());
    assert_eq!(s.get(2, 2).map(|x| x.as_str()), Some("9"));
}

#[test]
fn regions() {
    let g = Grid::from_rows(
        ["aab.", "abb.", "..b.", "a..a"].iter().map(|r| r.chars().collect()).collect(),
    )
    .unwrap();
    assert_eq!(g.region_size(0, 0), 3);
    assert_eq!(g.region_size(2, 0), 4);
    assert_eq!(g.region_size(3, 0), 3);
    assert_eq!(g.region_size(0, 2), 4);
    assert_eq!(g.region_size(0, 3), 1);
    assert_eq!(g.region_size(4, 0), 0);
}

#[test]
fn huge_region_without_recursion() {
    let g = Grid::new(300, 300, 7u8).unwrap();
    assert_eq!(g.region_size(150, 150), 90_000);
    let mut h = Grid::new(300, 300, 0u8).unwrap();
    for y in 0..299 {
        h.set(150, y, 1);
    }
    assert_eq!(h.region_size(0, 0), 90_000 - 299);
}

#[test]
fn blinker_oscillates() {
    let g = bools(&[".....", "..#..", "..#..", "..#..", "....."]);
    let n = g.life_step();
    assert_eq!(show(&n), vec![".....", ".....", ".###.", ".....", "....."]);
    assert_eq!(show(&n.life_step()), show(&g));
}

#[test]
fn block_is_still_and_edges_are_dead() {
    let g = bools(&["##", "##"]);
    assert_eq!(show(&g.life_step()), vec!["##", "##"]);
    let corner = bools(&["##.", "#..", "..."]);
    assert_eq!(show(&corner.life_step()), vec!["##.", "##.", "..."]);
    let lonely = bools(&["#"]);
    assert_eq!(show(&lonely.life_step()), vec!["."]);
}
