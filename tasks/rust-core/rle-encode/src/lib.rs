/// Encodes each maximal run of one `char` as that char followed by the run length.
pub fn rle_encode(s: &str) -> String {
    todo!()
}
