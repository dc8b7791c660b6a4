//! A streaming CSV record reader (RFC 4180): fields separated by a delimiter (`,` by
//! default), records by `\n` or `\r\n`, a field in double quotes may hold the
//! delimiter, line breaks and `""` for a quote. Each field remembers whether it was
//! quoted, so a loader can read an unquoted empty field as null and `""` as the empty
//! string (as PostgreSQL's `COPY … (format csv)` does). Bytes must be UTF-8. Limits:
//! a record of at most [`MAX_RECORD_BYTES`] and [`MAX_FIELDS`] fields.

use std::io::BufRead;

/// Largest record (all its fields), bytes.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;
/// Most fields in one record.
pub const MAX_FIELDS: usize = 4096;

/// One record: its fields' text in one buffer.
#[derive(Debug, Default)]
pub struct Record {
    text: String,
    /// Start and end offsets in `text` and whether it was quoted, per field.
    spans: Vec<(usize, usize, bool)>,
    /// The input line the record starts on (from 1).
    pub line: u64,
}

impl Record {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Field `i`'s text and whether it was quoted.
    pub fn field(&self, i: usize) -> (&str, bool) {
        let (start, end, quoted) = self.spans[i];
        (&self.text[start..end], quoted)
    }
}

/// Reads records from a buffered input.
pub struct CsvReader<R> {
    input: R,
    delimiter: u8,
    line: u64,
    raw: Vec<u8>,
}

impl<R: BufRead> CsvReader<R> {
    pub fn new(input: R, delimiter: u8) -> Self {
        CsvReader {
            input,
            delimiter,
            line: 0,
            raw: Vec::new(),
        }
    }

    /// Reads the next record into `rec`; `Ok(false)` at the end of the input. A
    /// blank line is a record of one empty field (a one-column file's null).
    pub fn read(&mut self, rec: &mut Record) -> Result<bool, String> {
        rec.text.clear();
        rec.spans.clear();
        rec.line = self.line + 1;
        let mut quoted = false;
        let mut in_quotes = false;
        let mut field = Vec::new();
        let mut any = false;
        loop {
            self.raw.clear();
            let n = self
                .input
                .read_until(b'\n', &mut self.raw)
                .map_err(|e| format!("line {}: {e}", self.line + 1))?;
            if n == 0 {
                if in_quotes {
                    return Err(format!(
                        "line {}: a quoted field is not closed before the end of the input",
                        rec.line
                    ));
                }
                if !any {
                    return Ok(false);
                }
                break;
            }
            any = true;
            self.line += 1;
            let bytes = &self.raw[..];
            if !quoted && field.is_empty() && rec.spans.is_empty() && !bytes.contains(&b'"') {
                // The common case: a record on one line without quotes.
                return self.split_plain(rec);
            }
            let mut ends_record = false;
            let mut i = 0;
            while i < bytes.len() {
                let b = bytes[i];
                if in_quotes {
                    if b == b'"' {
                        if bytes.get(i + 1) == Some(&b'"') {
                            field.push(b'"');
                            i += 2;
                            continue;
                        }
                        in_quotes = false;
                    } else {
                        field.push(b);
                    }
                    i += 1;
                    continue;
                }
                if b == b'"' {
                    if !field.is_empty() || quoted {
                        return Err(format!(
                            "line {}: a quote inside an unquoted field (quote the whole field and double the quote)",
                            self.line
                        ));
                    }
                    quoted = true;
                    in_quotes = true;
                } else if b == self.delimiter {
                    push(rec, &mut field, quoted, self.line)?;
                    quoted = false;
                } else if b == b'\n' {
                    ends_record = true;
                    break;
                } else if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                    continue;
                } else {
                    if quoted {
                        return Err(format!(
                            "line {}: text after the closing quote of a field",
                            self.line
                        ));
                    }
                    field.push(b);
                }
                i += 1;
            }
            if rec.text.len() + field.len() > MAX_RECORD_BYTES {
                return Err(format!(
                    "line {}: a record longer than {MAX_RECORD_BYTES} bytes",
                    rec.line
                ));
            }
            if ends_record || !in_quotes {
                break;
            }
        }
        push(rec, &mut field, quoted, self.line)?;
        Ok(true)
    }
}

impl<R> CsvReader<R> {
    /// Splits the line in `raw` (no quotes in it) into `rec`'s fields.
    fn split_plain(&self, rec: &mut Record) -> Result<bool, String> {
        let mut line = &self.raw[..];
        if let Some(l) = line.strip_suffix(b"\n") {
            line = l.strip_suffix(b"\r").unwrap_or(l);
        }
        if line.len() > MAX_RECORD_BYTES {
            return Err(format!(
                "line {}: a record longer than {MAX_RECORD_BYTES} bytes",
                rec.line
            ));
        }
        let text = std::str::from_utf8(line).map_err(|e| {
            let field = line[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == self.delimiter)
                .count();
            format!("line {}: field {} is not UTF-8", rec.line, field + 1)
        })?;
        rec.text.push_str(text);
        let mut start = 0;
        for (i, b) in line.iter().enumerate() {
            if *b == self.delimiter {
                rec.spans.push((start, i, false));
                start = i + 1;
            }
        }
        rec.spans.push((start, line.len(), false));
        if rec.spans.len() > MAX_FIELDS {
            return Err(format!("line {}: more than {MAX_FIELDS} fields", rec.line));
        }
        Ok(true)
    }
}

fn push(rec: &mut Record, field: &mut Vec<u8>, quoted: bool, line: u64) -> Result<(), String> {
    if rec.spans.len() == MAX_FIELDS {
        return Err(format!("line {line}: more than {MAX_FIELDS} fields"));
    }
    let text = std::str::from_utf8(field)
        .map_err(|_| format!("line {line}: field {} is not UTF-8", rec.spans.len() + 1))?;
    let start = rec.text.len();
    rec.text.push_str(text);
    rec.spans.push((start, rec.text.len(), quoted));
    field.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Result<Vec<Vec<(String, bool)>>, String> {
        let mut r = CsvReader::new(text.as_bytes(), b',');
        let mut rec = Record::default();
        let mut out = Vec::new();
        while r.read(&mut rec)? {
            out.push(
                (0..rec.len())
                    .map(|i| {
                        let (t, q) = rec.field(i);
                        (t.to_owned(), q)
                    })
                    .collect(),
            );
        }
        Ok(out)
    }

    fn plain(v: &[&str]) -> Vec<(String, bool)> {
        v.iter().map(|s| (s.to_string(), false)).collect()
    }

    #[test]
    fn plain_records_with_and_without_a_final_newline() {
        assert_eq!(
            all("a,b\n1,2\r\n3,").unwrap(),
            vec![plain(&["a", "b"]), plain(&["1", "2"]), plain(&["3", ""])]
        );
        assert_eq!(all("").unwrap(), Vec::<Vec<(String, bool)>>::new());
    }

    #[test]
    fn quoted_fields_hold_delimiters_quotes_and_newlines() {
        let got = all("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"\"\nx,y,z,w\n").unwrap();
        assert_eq!(
            got[0],
            vec![
                ("a,b".to_string(), true),
                ("say \"hi\"".to_string(), true),
                ("two\nlines".to_string(), true),
                (String::new(), true)
            ]
        );
        assert_eq!(got[1], plain(&["x", "y", "z", "w"]));
    }

    #[test]
    fn the_line_of_each_record_counts_lines_inside_quotes() {
        let mut r = CsvReader::new("a\n\"x\ny\"\nb\n".as_bytes(), b',');
        let mut rec = Record::default();
        let mut lines = Vec::new();
        while r.read(&mut rec).unwrap() {
            lines.push(rec.line);
        }
        assert_eq!(lines, vec![1, 2, 4]);
    }

    #[test]
    fn malformed_quoting_is_an_error_naming_the_line() {
        let e = all("a\nb\"c\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("quote"), "{e}");
        let e = all("\"ab\"c\n").unwrap_err();
        assert!(e.contains("after the closing quote"), "{e}");
        let e = all("x\n\"open\n").unwrap_err();
        assert!(e.contains("not closed"), "{e}");
    }

    #[test]
    fn plain_and_quoted_lines_mix() {
        assert_eq!(
            all("1,,x\r\n\"a\",b,\n,,\n").unwrap(),
            vec![
                plain(&["1", "", "x"]),
                vec![
                    ("a".to_string(), true),
                    ("b".into(), false),
                    (String::new(), false)
                ],
                plain(&["", "", ""]),
            ]
        );
        let mut r = CsvReader::new(&b"a,\xff\n"[..], b',');
        let e = r.read(&mut Record::default()).unwrap_err();
        assert!(e.contains("field 2 is not UTF-8"), "{e}");
    }

    #[test]
    fn another_delimiter() {
        let mut r = CsvReader::new("a\tb,c\n".as_bytes(), b'\t');
        let mut rec = Record::default();
        assert!(r.read(&mut rec).unwrap());
        assert_eq!(rec.field(1), ("b,c", false));
    }
}
