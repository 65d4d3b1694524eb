// The Redline Android library (AAR): libredline_ffi.so for three ABIs, the
// Kotlin bindings generated from it, and the coroutine helpers in
// src/main/kotlin. Both the native libraries and the Kotlin sources are build
// outputs, made by two tasks before `preBuild`:
//
//   cargoNdkBuild     cargo-ndk builds redline-ffi (the `mobile` profile,
//                     built for size) for each ABI
//                     into build/rustJniLibs/<abi>/libredline_ffi.so
//   generateBindings  uniffi-bindgen reads the arm64 library and writes the
//                     Kotlin sources into build/generated/source/uniffi
//
// Needs on the build machine: Rust with the Android targets, cargo-ndk, the
// NDK (ANDROID_NDK_HOME). See README.md. Cannot be built on the project's CI
// machines (no NDK, no Google Maven); the Kotlin it ships is tested there on
// the JVM instead (scripts/test-bindings.sh).

plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

// This module lives in <repo>/android; cargo runs from the workspace root.
val repoRoot: File = projectDir.parentFile
val rustJniLibs = layout.buildDirectory.dir("rustJniLibs")
val generatedKotlin = layout.buildDirectory.dir("generated/source/uniffi/kotlin")

// arm64-v8a: nearly every phone in use; armeabi-v7a: older and low-end
// phones still common with enterprise contacts; x86_64: the emulator.
val abis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")
val minSdkVersion = 24

val cargoNdkBuild by tasks.registering(Exec::class) {
    description = "Builds libredline_ffi.so for every ABI with cargo-ndk."
    workingDir = repoRoot
    commandLine(
        listOf("cargo", "ndk") +
            abis.flatMap { listOf("-t", it) } +
            listOf("--platform", "$minSdkVersion", "-o", rustJniLibs.get().asFile.path) +
            listOf("build", "-p", "redline-ffi", "--profile", "mobile"),
    )
    // Identical code folded by lld (BENCHMARKS.md, "Library size"). Android
    // 15 devices may use 16 KB pages; NDK r28+ aligns by default, this keeps
    // r26/r27 builds loadable on them too. Packed relocations
    // (--pack-dyn-relocs=relr) need minSdk 28, so they are not used here.
    val icf = "-C link-arg=-Wl,--icf=all"
    val pageAlign = "$icf -C link-arg=-Wl,-z,max-page-size=16384"
    environment("CARGO_TARGET_AARCH64_LINUX_ANDROID_RUSTFLAGS", pageAlign)
    environment("CARGO_TARGET_X86_64_LINUX_ANDROID_RUSTFLAGS", pageAlign)
    environment("CARGO_TARGET_ARMV7_LINUX_ANDROIDEABI_RUSTFLAGS", icf)
    // SQLite's and ring's C without unwinding tables (none is ever used:
    // see scripts/size-ffi.sh).
    environment("CFLAGS", "-fno-asynchronous-unwind-tables -fno-unwind-tables")
    inputs.dir(repoRoot.resolve("core"))
    inputs.dir(repoRoot.resolve("bindings/src"))
    inputs.file(repoRoot.resolve(".cargo/config.toml"))
    inputs.files(repoRoot.resolve("Cargo.toml"), repoRoot.resolve("Cargo.lock"))
    outputs.dir(rustJniLibs)
}

val generateBindings by tasks.registering(Exec::class) {
    description = "Generates the Kotlin bindings from the built library."
    dependsOn(cargoNdkBuild)
    workingDir = repoRoot
    val library = rustJniLibs.get().file("arm64-v8a/libredline_ffi.so").asFile.path
    // Runs from the workspace root so uniffi-bindgen finds bindings/uniffi.toml
    // (package org.redline); uniffi-android.toml adds the Android cleaner.
    commandLine(
        "cargo", "run", "-q", "-p", "uniffi-bindgen", "--",
        "generate", "--no-format", "--metadata-no-deps",
        "--config", "android/uniffi-android.toml",
        "--library", library, "--language", "kotlin",
        "--out-dir", generatedKotlin.get().asFile.path,
    )
    inputs.dir(rustJniLibs)
    inputs.file(repoRoot.resolve("bindings/uniffi.toml"))
    outputs.dir(generatedKotlin)
}

android {
    namespace = "org.redline"
    compileSdk = 35

    defaultConfig {
        minSdk = minSdkVersion
        consumerProguardFiles("consumer-rules.pro")
    }

    sourceSets["main"].apply {
        java.srcDir(generatedKotlin)
        jniLibs.srcDir(rustJniLibs)
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

tasks.named("preBuild") {
    dependsOn(generateBindings)
}

dependencies {
    // `api`: the generated public classes expose JNA types (Pointer) and the
    // helpers expose Flow, so apps compile against both.
    api("net.java.dev.jna:jna:5.14.0@aar")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.9.0")
}
