#![no_std]

pub mod zxvm_virtio;
