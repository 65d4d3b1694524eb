// Lets the Redline Android library build on its own (`./gradlew :redline:assembleRelease`
// from this folder). An app that includes the module instead adds, in its
// own settings.gradle.kts:
//     include(":redline")
//     project(":redline").projectDir = file("<path to redline>/android")
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
    // Versions for the standalone build; an including app's own versions win.
    plugins {
        id("com.android.library") version "8.7.3"
        id("org.jetbrains.kotlin.android") version "2.1.0"
    }
}

dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "redline-android"
include(":redline")
project(":redline").projectDir = file(".")
