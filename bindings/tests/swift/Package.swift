// swift-tools-version:5.9
// Test package for the generated Swift bindings on Linux (XCTest). It is
// assembled by scripts/test-bindings.sh in a staging folder, because the
// sources it compiles are build outputs:
//
//   Sources/RedlineFFI/  module.modulemap + RedlineFFI.h  (uniffi's C layer)
//   Sources/Redline/     Redline.swift (generated) + ios/Sources/Redline/*.swift
//   lib/                 libredline_ffi.so
//   Tests/RedlineTests/  the tests in this folder
//
// The `Redline` module is built exactly as the iOS package builds it, so the
// idiomatic wrapper is compiled and tested here too.

import PackageDescription

let lib = Context.packageDirectory + "/lib"

let package = Package(
    name: "RedlineBindingTests",
    targets: [
        .systemLibrary(name: "RedlineFFI", path: "Sources/RedlineFFI"),
        .target(
            name: "Redline",
            dependencies: ["RedlineFFI"],
            path: "Sources/Redline",
            linkerSettings: [.unsafeFlags(["-L", lib, "-Xlinker", "-rpath", "-Xlinker", lib]), .linkedLibrary("redline_ffi")]
        ),
        .testTarget(name: "RedlineTests", dependencies: ["Redline"], path: "Tests/RedlineTests"),
    ]
)
