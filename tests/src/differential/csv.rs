//! Just enough CSV for psql's `--csv` output: commas, double quotes, doubled
//! quotes and line breaks inside quoted fields.

/// The records of `text`; each field is `None` when it equals `null` unquoted.
pub fn parse(text: &str, null: &str) -> Vec<Vec<Option<String>>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    let finish = |field: &mut String, was_quoted: &mut bool, record: &mut Vec<Option<String>>| {
        let f = std::mem::take(field);
        record.push(if !*was_quoted && f == null {
            None
        } else {
            Some(f)
        });
        *was_quoted = false;
    };
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => {
                quoted = true;
                was_quoted = true;
            }
            ',' => finish(&mut field, &mut was_quoted, &mut record),
            '\n' => {
                finish(&mut field, &mut was_quoted, &mut record);
                records.push(std::mem::take(&mut record));
                any = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            c => field.push(c),
        }
    }
    if any {
        finish(&mut field, &mut was_quoted, &mut record);
        records.push(record);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn quotes_commas_nulls_and_empty_strings() {
        let r = parse("a,b,c\n1,\"x,\"\"y\"\"\",NULL\n2,,\"\"\n", "NULL");
        assert_eq!(r.len(), 3);
        assert_eq!(r[1], vec![Some("1".into()), Some("x,\"y\"".into()), None]);
        assert_eq!(
            r[2],
            vec![Some("2".into()), Some(String::new()), Some(String::new())]
        );
        assert_eq!(parse("\"NULL\"\n", "NULL"), vec![vec![Some("NULL".into())]]);
        assert_eq!(parse("\"a\nb\"\n", "NULL"), vec![vec![Some("a\nb".into())]]);
    }
}
