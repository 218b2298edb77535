//! Compile limits: what a component may contain before imr hands it to the
//! compiler (issue 15 item 4).
//!
//! Fuel bounds execution, not compilation: Cranelift's time and memory grow with
//! the number of functions, their size and some shapes (huge `br_table`s, deep
//! nesting). [`measure`] walks every core module of a component with
//! `wasmparser` (no compilation: a linear scan of the bytes) and [`check`]
//! refuses a component over any of [`CompileLimits`] with an error naming the
//! limit and the value. The limits are part of the engine description, so they
//! are in the fingerprint every receipt records.

use serde::{Deserialize, Serialize};
use wasmparser::{Operator, Parser, Payload};

/// What a component may contain to be compiled. The defaults admit the bundled
/// examples and the hostile test guest with a wide margin (see README, "Bad
/// input"), and bound the compile time of the largest admitted component to
/// seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompileLimits {
    /// The component's size in bytes.
    pub max_component_bytes: u64,
    /// Functions defined (with a body) in all core modules together.
    pub max_functions: u64,
    /// Bytes of all function bodies together (the code to compile).
    pub max_code_bytes: u64,
    /// Bytes of one function body.
    pub max_function_bytes: u64,
    /// Locals declared by one function (parameters excluded).
    pub max_locals: u64,
    /// Nesting depth of `block`/`loop`/`if` inside one function.
    pub max_nesting: u64,
    /// Targets of one `br_table` (the default target included).
    pub max_br_table_targets: u64,
    /// `br_table` targets of one function, all its `br_table`s together.
    pub max_br_table_targets_per_function: u64,
}

impl Default for CompileLimits {
    fn default() -> Self {
        Self {
            max_component_bytes: 32 << 20,
            max_functions: 20_000,
            max_code_bytes: 4 << 20,
            max_function_bytes: 256 << 10,
            max_locals: 10_000,
            max_nesting: 1_000,
            max_br_table_targets: 20_000,
            max_br_table_targets_per_function: 100_000,
        }
    }
}

impl CompileLimits {
    /// Each limit as `(name, value)`, in a fixed order: what the engine
    /// description (and so the fingerprint) records, and what `imr inspect` prints.
    pub fn entries(&self) -> [(&'static str, u64); 8] {
        [
            ("max_component_bytes", self.max_component_bytes),
            ("max_functions", self.max_functions),
            ("max_code_bytes", self.max_code_bytes),
            ("max_function_bytes", self.max_function_bytes),
            ("max_locals", self.max_locals),
            ("max_nesting", self.max_nesting),
            ("max_br_table_targets", self.max_br_table_targets),
            (
                "max_br_table_targets_per_function",
                self.max_br_table_targets_per_function,
            ),
        ]
    }
}

/// The largest value of each limited quantity in a component, and where it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentMeasure {
    /// The component's size in bytes.
    pub component_bytes: u64,
    /// Core modules (nested components' included).
    pub core_modules: u64,
    /// Functions with a body, all core modules together.
    pub functions: u64,
    /// Bytes of all function bodies together.
    pub code_bytes: u64,
    /// The largest function body, in bytes.
    pub function_bytes: Worst,
    /// The most locals of one function.
    pub locals: Worst,
    /// The deepest nesting of one function.
    pub nesting: Worst,
    /// The largest `br_table`.
    pub br_table_targets: Worst,
    /// The most `br_table` targets of one function.
    pub br_table_targets_per_function: Worst,
}

/// A maximum and the function it was found in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Worst {
    /// The value.
    pub value: u64,
    /// The core module (0-based, in file order) of the function.
    pub module: u64,
    /// The function's index among the module's defined functions (0-based).
    pub function: u64,
}

impl Worst {
    fn update(&mut self, value: u64, module: u64, function: u64) {
        if value > self.value {
            *self = Self {
                value,
                module,
                function,
            };
        }
    }
}

/// Why a component is refused before compiling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileLimitError {
    /// A quantity is over its limit.
    #[error("refused before compiling: {what} is {value}, over the compile limit {limit} = {max}")]
    Over {
        /// The limit's name (as in [`CompileLimits::entries`] and the engine description).
        limit: &'static str,
        /// What was measured, and where.
        what: String,
        /// The measured value.
        value: u64,
        /// The limit.
        max: u64,
    },
    /// The bytes could not be walked (they are not a well-formed component).
    #[error("malformed component: {0}")]
    Malformed(String),
}

/// Measures a component without compiling it: a single pass over its bytes.
pub fn measure(bytes: &[u8]) -> Result<ComponentMeasure, CompileLimitError> {
    let malformed = |e: wasmparser::BinaryReaderError| CompileLimitError::Malformed(e.to_string());
    let mut m = ComponentMeasure {
        component_bytes: bytes.len() as u64,
        ..ComponentMeasure::default()
    };
    // The index of the core module being walked, and of its next function body.
    let mut module = 0u64;
    let mut function = 0u64;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(malformed)? {
            Payload::ModuleSection { .. } => {
                m.core_modules += 1;
                module = m.core_modules - 1;
                function = 0;
            }
            Payload::CodeSectionEntry(body) => {
                m.functions += 1;
                let size = body.range().len() as u64;
                m.code_bytes = m.code_bytes.saturating_add(size);
                m.function_bytes.update(size, module, function);
                let mut locals = 0u64;
                for local in body.get_locals_reader().map_err(malformed)? {
                    locals = locals.saturating_add(u64::from(local.map_err(malformed)?.0));
                }
                m.locals.update(locals, module, function);
                let (mut depth, mut deepest, mut targets, mut widest) = (0u64, 0u64, 0u64, 0u64);
                let mut ops = body.get_operators_reader().map_err(malformed)?;
                while !ops.eof() {
                    match ops.read().map_err(malformed)? {
                        Operator::Block { .. }
                        | Operator::Loop { .. }
                        | Operator::If { .. }
                        | Operator::TryTable { .. }
                        | Operator::Try { .. } => {
                            depth += 1;
                            deepest = deepest.max(depth);
                        }
                        Operator::End => depth = depth.saturating_sub(1),
                        Operator::BrTable { targets: t } => {
                            let n = u64::from(t.len()) + 1;
                            widest = widest.max(n);
                            targets = targets.saturating_add(n);
                        }
                        _ => {}
                    }
                }
                m.nesting.update(deepest, module, function);
                m.br_table_targets.update(widest, module, function);
                m.br_table_targets_per_function
                    .update(targets, module, function);
                function += 1;
            }
            _ => {}
        }
    }
    Ok(m)
}

/// Refuses a measured component over any limit; the error names the first one
/// exceeded (in the order of [`CompileLimits::entries`]).
pub fn check_measure(
    m: &ComponentMeasure,
    limits: &CompileLimits,
) -> Result<(), CompileLimitError> {
    let at = |w: &Worst| format!("core module {} function {}", w.module, w.function);
    let checks: [(&'static str, String, u64, u64); 8] = [
        (
            "max_component_bytes",
            "the component's size in bytes".into(),
            m.component_bytes,
            limits.max_component_bytes,
        ),
        (
            "max_functions",
            format!("the number of functions ({} core modules)", m.core_modules),
            m.functions,
            limits.max_functions,
        ),
        (
            "max_code_bytes",
            "the size in bytes of all function bodies".into(),
            m.code_bytes,
            limits.max_code_bytes,
        ),
        (
            "max_function_bytes",
            format!("the body size in bytes of {}", at(&m.function_bytes)),
            m.function_bytes.value,
            limits.max_function_bytes,
        ),
        (
            "max_locals",
            format!("the number of locals of {}", at(&m.locals)),
            m.locals.value,
            limits.max_locals,
        ),
        (
            "max_nesting",
            format!("the block nesting depth of {}", at(&m.nesting)),
            m.nesting.value,
            limits.max_nesting,
        ),
        (
            "max_br_table_targets",
            format!(
                "the largest br_table's target count in {}",
                at(&m.br_table_targets)
            ),
            m.br_table_targets.value,
            limits.max_br_table_targets,
        ),
        (
            "max_br_table_targets_per_function",
            format!(
                "the br_table target count of {}",
                at(&m.br_table_targets_per_function)
            ),
            m.br_table_targets_per_function.value,
            limits.max_br_table_targets_per_function,
        ),
    ];
    for (limit, what, value, max) in checks {
        if value > max {
            return Err(CompileLimitError::Over {
                limit,
                what,
                value,
                max,
            });
        }
    }
    Ok(())
}

/// Measures and checks a component: what every load does before compiling.
pub fn check(bytes: &[u8], limits: &CompileLimits) -> Result<ComponentMeasure, CompileLimitError> {
    // The size needs no walk: refuse an oversized file before reading it further.
    if bytes.len() as u64 > limits.max_component_bytes {
        return Err(CompileLimitError::Over {
            limit: "max_component_bytes",
            what: "the component's size in bytes".into(),
            value: bytes.len() as u64,
            max: limits.max_component_bytes,
        });
    }
    let m = measure(bytes)?;
    check_measure(&m, limits)?;
    Ok(m)
}
