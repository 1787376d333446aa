//! The simulator's clock: the machine's time plus an offset that tests set through `/_sim/clock`,
//! so ticket expiry and preventive windows are exercised without waiting.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Default)]
pub struct SimClock {
    offset_ms: AtomicI64,
}

impl SimClock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset()
    }

    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    pub fn set_offset(&self, offset: Duration) {
        self.offset_ms.store(offset.num_milliseconds(), Ordering::SeqCst);
    }

    pub fn advance(&self, by: Duration) {
        self.offset_ms.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}
