//! One cataloger per ecosystem, each in its own file with its tests.
//!
//! Adding an ecosystem: write `<name>.rs` implementing [`crate::Cataloger`] and add one
//! line to [`all`].

mod apk;
mod cargo_lock;
mod dotnet;
mod dpkg;
mod go_binary;
mod java;
mod npm;
mod os_release;
mod php;
mod python;
mod rpm;
mod ruby;
mod rust_binary;

pub use apk::Apk;
pub use cargo_lock::CargoLock;
pub use dotnet::Dotnet;
pub use dpkg::Dpkg;
pub use go_binary::GoBinary;
pub use java::Java;
pub use npm::Npm;
pub use os_release::OsRelease;
pub use php::Php;
pub use python::Python;
pub use rpm::Rpm;
pub use ruby::Ruby;
pub use rust_binary::RustBinary;

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
