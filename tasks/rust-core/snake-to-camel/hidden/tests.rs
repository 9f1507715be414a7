use snake_to_camel::*;

#[test]
fn empty_string() {
    assert_eq!(snake_to_camel(""), "");
}

#[test]
fn only_underscores() {
    assert_eq!(snake_to_camel("___"), "");
}

#[test]
fn uppercase_input_is_normalised() {
    assert_eq!(snake_to_camel("HELLO_WORLD"), "helloWorld");
    assert_eq!(snake_to_camel("mIxEd_CaSe"), "mixedCase");
}

#[test]
fn extra_underscores_are_dropped() {
    assert_eq!(snake_to_camel("__a__b_"), "aB");
    assert_eq!(snake_to_camel("_private_field"), "privateField");
}

#[test]
fn digits_are_kept() {
    assert_eq!(snake_to_camel("user_id_2"), "userId2");
    assert_eq!(snake_to_camel("v_2_final"), "v2Final");
}

#[test]
fn many_words() {
    assert_eq!(snake_to_camel("the_quick_brown_fox"), "theQuickBrownFox");
}

#[test]
fn unicode_letters() {
    assert_eq!(snake_to_camel("élan_vital"), "élanVital");
    assert_eq!(snake_to_camel("grüne_öfen"), "grüneÖfen");
}

#[test]
fn single_letter_words() {
    assert_eq!(snake_to_camel("a_b_c"), "aBC");
}
