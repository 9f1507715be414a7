//! The hand-written optimized baseline of `sort-speed`: an LSD radix sort
//! (four 8-bit passes), with insertion sort for short inputs.

clade_guest::sort_speed!(sort);

fn sort(values: &mut [u32]) {
    if values.len() <= 32 {
        for i in 1..values.len() {
            let v = values[i];
            let mut j = i;
            while j > 0 && values[j - 1] > v {
                values[j] = values[j - 1];
                j -= 1;
            }
            values[j] = v;
        }
        return;
    }
    let mut buffer = vec![0u32; values.len()];
    let (mut from, mut to): (&mut [u32], &mut [u32]) = (values, &mut buffer);
    for shift in [0u32, 8, 16, 24] {
        let mut counts = [0usize; 257];
        for &v in from.iter() {
            counts[((v >> shift) & 0xff) as usize + 1] += 1;
        }
        for i in 1..257 {
            counts[i] += counts[i - 1];
        }
        for &v in from.iter() {
            let slot = &mut counts[((v >> shift) & 0xff) as usize];
            to[*slot] = v;
            *slot += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    // Four passes: the sorted data is back in `values`.
}

fn main() {}
