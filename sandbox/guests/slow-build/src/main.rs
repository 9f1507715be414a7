#![allow(long_running_const_eval)]
// Constant evaluation that never ends: only the build timeout stops it.
const NEVER: u64 = {
    let mut i = 0u64;
    loop {
        i = i.wrapping_add(1);
        if i == 0 {
            break;
        }
    }
    i
};

fn main() {
    println!("{NEVER}");
}
