//! The plan's binary format.
//!
//! ```text
//! magic "KQLP" | format u16 LE | opcode set u16 LE | flags varint
//! act_as  opt-string          | source opt-string
//! tables      count × (id varint, schema version varint, name string)
//! params      count × (name string, type)
//! schemas     count × (fields count × (name string, type, nullable byte))
//! registers   count × schema id
//! cursors     count × (kind byte, input schema id, output schema id)
//! constants   count × (tag byte, value)
//! exprs       count × (nodes count × node)
//! insns       count × (opcode byte, operands in declaration order)
//! ```
//!
//! Varints are LEB128 (signed ones zig-zag); strings and lists are a varint length and
//! their content. Every count is checked against its limit ([`FormatLimits`]) and the
//! bytes left before anything is reserved; decoding is a sequence of loops, never
//! recursion; the input must end exactly after the last instruction.

use super::program::{
    CursorDecl, CursorKind, FORMAT_VERSION, Field, Flags, MAGIC, OPCODE_SET_VERSION, ParamDecl,
    Program, Schema, TableUse,
};
use super::{Expr, Insn, Value, read_type, write_type};
use crate::codec::{DecodeError, DecodeErrorCode, Reader, Writer};
use sha2::{Digest, Sha256};

/// Ceilings of the format itself; the verifier's resource limits may be lower.
#[derive(Debug, Clone, Copy)]
pub struct FormatLimits;

impl FormatLimits {
    pub const NAME: usize = 1024;
    pub const SOURCE: usize = 1 << 20;
    pub const TABLES: usize = 1024;
    pub const PARAMS: usize = 1024;
    pub const SCHEMAS: usize = 1 << 16;
    pub const FIELDS: usize = 4096;
    pub const REGISTERS: usize = 1 << 16;
    pub const CURSORS: usize = 1 << 16;
    pub const CONSTANTS: usize = 1 << 20;
    pub const EXPRS: usize = 1 << 20;
    pub const INSNS: usize = 1 << 20;
}

impl Program {
    /// The plan as bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.bytes_raw(MAGIC);
        w.bytes_raw(&FORMAT_VERSION.to_le_bytes());
        w.bytes_raw(&OPCODE_SET_VERSION.to_le_bytes());
        w.uvar(self.flags.0 as u64);
        w.opt_str(self.act_as.as_deref());
        w.opt_str(self.source.as_deref());
        w.len(self.tables.len());
        for t in &self.tables {
            w.uvar(t.id);
            w.uvar(t.schema_version as u64);
            w.str(&t.name);
        }
        w.len(self.params.len());
        for p in &self.params {
            w.str(&p.name);
            write_type(&mut w, p.ty);
        }
        w.len(self.schemas.len());
        for s in &self.schemas {
            w.len(s.fields.len());
            for f in &s.fields {
                w.str(&f.name);
                write_type(&mut w, f.ty);
                w.bool(f.nullable);
            }
        }
        w.len(self.registers.len());
        for r in &self.registers {
            w.uvar(*r as u64);
        }
        w.len(self.cursors.len());
        for c in &self.cursors {
            w.u8(CursorKind::ALL
                .iter()
                .position(|k| *k == c.kind)
                .unwrap_or(0) as u8);
            w.uvar(c.input as u64);
            w.uvar(c.output as u64);
        }
        w.len(self.constants.len());
        for c in &self.constants {
            c.write(&mut w);
        }
        w.len(self.exprs.len());
        for e in &self.exprs {
            e.write(&mut w);
        }
        w.len(self.insns.len());
        for i in &self.insns {
            i.write(&mut w);
        }
        w.into_bytes()
    }

    /// The SHA-256 of the encoded plan: the key of the server's plan cache.
    pub fn hash(bytes: &[u8]) -> [u8; 32] {
        Sha256::digest(bytes).into()
    }

    /// Decodes a plan. Only the format is checked here; [`crate::bytecode::verify`]
    /// decides whether the plan may run.
    pub fn decode(bytes: &[u8]) -> Result<Program, DecodeError> {
        let mut r = Reader::new(bytes);
        if bytes.len() < 4 || &bytes[..4] != MAGIC {
            return Err(r.error(
                DecodeErrorCode::BadMagic,
                "not a Kalavar plan (magic is not KQLP)",
            ));
        }
        r.take(4, "magic")?;
        let b = r.take(2, "format version")?;
        let format = u16::from_le_bytes([b[0], b[1]]);
        if format != FORMAT_VERSION {
            return Err(r.error(
                DecodeErrorCode::UnsupportedFormat,
                format!("plan format {format}; this build reads {FORMAT_VERSION}"),
            ));
        }
        let b = r.take(2, "opcode-set version")?;
        let opset = u16::from_le_bytes([b[0], b[1]]);
        if opset != OPCODE_SET_VERSION {
            return Err(r.error(
                DecodeErrorCode::UnsupportedOpcodeSet,
                format!("opcode set {opset}; this build runs {OPCODE_SET_VERSION}"),
            ));
        }
        let flags = r.u32v("flags")?;
        if flags & !Flags::KNOWN != 0 {
            return Err(r.error(
                DecodeErrorCode::UnknownFlags,
                format!("unknown flag bits 0x{:x}", flags & !Flags::KNOWN),
            ));
        }
        let mut p = Program {
            flags: Flags(flags),
            act_as: r.opt_str(FormatLimits::NAME, "act-as user")?,
            source: r.opt_str_shared(FormatLimits::SOURCE, "source text")?,
            ..Program::default()
        };
        let n = r.count(FormatLimits::TABLES, 3, "table count")?;
        p.tables.reserve(n);
        for _ in 0..n {
            p.tables.push(TableUse {
                id: r.uvar("table id")?,
                schema_version: r.u32v("schema version")?,
                name: r.str_ref(FormatLimits::NAME, "table name")?.into(),
            });
        }
        let n = r.count(FormatLimits::PARAMS, 2, "parameter count")?;
        p.params.reserve(n);
        for _ in 0..n {
            p.params.push(ParamDecl {
                name: r.str(FormatLimits::NAME, "parameter name")?,
                ty: read_type(&mut r)?,
            });
        }
        let n = r.count(FormatLimits::SCHEMAS, 1, "schema count")?;
        p.schemas.reserve(n);
        for _ in 0..n {
            let nf = r.count(FormatLimits::FIELDS, 3, "field count")?;
            let mut fields = Vec::with_capacity(nf);
            for _ in 0..nf {
                fields.push(Field {
                    name: r.str_ref(FormatLimits::NAME, "field name")?.into(),
                    ty: read_type(&mut r)?,
                    nullable: r.bool("nullable")?,
                });
            }
            p.schemas.push(Schema { fields });
        }
        let n = r.count(FormatLimits::REGISTERS, 1, "register count")?;
        p.registers.reserve(n);
        for _ in 0..n {
            p.registers.push(r.u32v("register schema")?);
        }
        let n = r.count(FormatLimits::CURSORS, 3, "cursor count")?;
        p.cursors.reserve(n);
        for _ in 0..n {
            let k = r.u8("cursor kind")?;
            let Some(kind) = CursorKind::ALL.get(k as usize).copied() else {
                return Err(r.error(
                    DecodeErrorCode::BadTag,
                    format!("cursor kind: unknown tag {k}"),
                ));
            };
            p.cursors.push(CursorDecl {
                kind,
                input: r.u32v("cursor input schema")?,
                output: r.u32v("cursor output schema")?,
            });
        }
        let n = r.count(FormatLimits::CONSTANTS, 2, "constant count")?;
        p.constants.reserve(n);
        for _ in 0..n {
            p.constants.push(Value::read(&mut r)?);
        }
        let n = r.count(FormatLimits::EXPRS, 1, "expression count")?;
        p.exprs.reserve(n);
        for _ in 0..n {
            p.exprs.push(Expr::read(&mut r)?);
        }
        let n = r.count(FormatLimits::INSNS, 1, "instruction count")?;
        p.insns.reserve(n);
        for _ in 0..n {
            p.insns.push(Insn::read(&mut r)?);
        }
        r.expect_end()?;
        Ok(p)
    }
}
