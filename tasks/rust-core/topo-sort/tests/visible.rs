use topo_sort::*;

#[test]
fn orders_dependencies() {
    let got = topo_sort(&["deploy", "build", "test"], &[("build", "test"), ("test", "deploy")]);
    assert_eq!(got, Ok(vec!["build".to_string(), "test".to_string(), "deploy".to_string()]));
}

#[test]
fn self_loop_is_a_cycle() {
    assert_eq!(topo_sort(&["a", "b"], &[("a", "a")]), Err(TopoError::Cycle(vec!["a".to_string()])));
}
