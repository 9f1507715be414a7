#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopoError {
    UnknownNode(String),
    Cycle(Vec<String>),
}

/// Order `nodes` so that for each edge `(a, b)`, `a` comes before `b`; ties are broken
/// by position in `nodes`.
pub fn topo_sort(nodes: &[&str], edges: &[(&str, &str)]) -> Result<Vec<String>, TopoError> {
    todo!()
}
