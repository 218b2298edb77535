//! The bytes a receipt names, as one run produced them: what the run log stores
//! next to the receipt, each blob under its blake3. `imr_host::runner::execute`
//! encodes them once, to hash them, and returns them; the run log's `Log::append`
//! stores them as they are.

use std::sync::Arc;

/// The blobs of one run: each the bytes whose blake3 the run's receipt records.
#[derive(Debug, Clone)]
pub struct RunBlobs {
    /// The component (`receipt.component`).
    pub component: Arc<[u8]>,
    /// The epoch's canonical SCALE encoding (`receipt.epoch`).
    pub epoch: Vec<u8>,
    /// The state handed in (`receipt.state_in`).
    pub state_in: Vec<u8>,
    /// The state returned, when the run succeeded (`receipt.state_out`).
    pub state_out: Option<Vec<u8>>,
    /// The outcome's canonical encoding, when the run succeeded (`receipt.outcome`).
    pub outcome: Option<Vec<u8>>,
    /// The guest log's canonical encoding (`receipt.log`).
    pub log: Vec<u8>,
}
