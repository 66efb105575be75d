//! Helpers shared by several catalogers.

pub(crate) mod license;
pub(crate) mod rfc822;

pub(crate) use license::{to_spdx, to_spdx_all};
