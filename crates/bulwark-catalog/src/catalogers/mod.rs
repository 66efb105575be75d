//! One cataloger per ecosystem, each in its own file with its tests.
//!
//! Adding an ecosystem: write `<name>.rs` implementing [`crate::Cataloger`] and add one
//! line to [`all`].

mod os_release;
mod dpkg;
mod apk;
mod rpm;
mod python;
mod npm;
mod cargo_lock;
mod rust_binary;
mod go_binary;
mod java;
mod ruby;
mod php;
mod dotnet;

pub use os_release::OsRelease;
pub use dpkg::Dpkg;
pub use apk::Apk;
pub use rpm::Rpm;
pub use python::Python;
pub use npm::Npm;
pub use cargo_lock::CargoLock;
pub use rust_binary::RustBinary;
pub use go_binary::GoBinary;
pub use java::Java;
pub use ruby::Ruby;
pub use php::Php;
pub use dotnet::Dotnet;

use crate::Cataloger;

/// Every cataloger Bulwark has, in the order their packages are reported.
pub fn all() -> Vec<Box<dyn Cataloger>> {
    vec![
        Box::new(OsRelease),
        Box::new(Dpkg),
        Box::new(Apk),
        Box::new(Rpm),
        Box::new(Python),
        Box::new(Npm),
        Box::new(CargoLock),
        Box::new(RustBinary),
        Box::new(GoBinary),
        Box::new(Java),
        Box::new(Ruby),
        Box::new(Php),
        Box::new(Dotnet),
    ]
}
