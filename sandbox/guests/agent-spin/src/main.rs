//! An agent that reads its task and then spins forever: its run must end at
//! the task's wall deadline.
fn main() {
    let _ = clade_guest::agent::task();
    let mut x: u64 = 1;
    loop {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        if x == 0 {
            clade_guest::agent::done("impossible");
        }
    }
}
