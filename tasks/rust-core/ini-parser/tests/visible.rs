use ini_parser::*;

#[test]
fn reads_sections_and_keys() {
    let ini = Ini::parse("name = demo\n[server]\nport = 8080\nhost=localhost\n").unwrap();
    assert_eq!(ini.get("", "name"), Some("demo"));
    assert_eq!(ini.get("server", "host"), Some("localhost"));
    assert_eq!(ini.get_int("server", "port"), Some(8080));
    assert_eq!(ini.sections(), vec!["".to_string(), "server".to_string()]);
}

#[test]
fn reports_missing_equals() {
    assert_eq!(Ini::parse("[a]\nx = 1\njunk\n").err(), Some(IniError::MissingEquals(3)));
}
