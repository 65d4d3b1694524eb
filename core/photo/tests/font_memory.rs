//! The watermark font costs the pages it draws from, not its file: a CJK
//! font of 5 MB (20 MB on Android) is mapped once per process, and a photo
//! watermarked with it grows the process by far less than the file.
//! Its own test binary, so nothing else moves the process's memory.

use redline_photo::{PhotoOptions, Watermark, WatermarkFont, process};

const FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)).unwrap().parse().unwrap()
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let rgb: Vec<u8> = (0..width * height * 3).map(|i| (i % 251) as u8).collect();
    let mut out = vec![];
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode(&rgb, width, height, image::ExtendedColorType::Rgb8).unwrap();
    out
}

#[test]
fn the_font_is_mapped_once_and_costs_far_less_than_its_file() {
    let file_kb = std::fs::metadata(FONT).expect("fonts-wqy-microhei (scripts/test-all.sh installs it)").len() / 1024;
    let photo = jpeg(640, 480);
    // A first photo without a watermark: the pipeline's own buffers are
    // allocated (and returned to the allocator) before measuring.
    process(&photo, &PhotoOptions::default()).unwrap();
    let before = rss_kb();
    let font = WatermarkFont::from_file(FONT).unwrap();
    let again = WatermarkFont::from_file(FONT).unwrap();
    for f in [font, again] {
        let wm = Watermark {
            time: 1_772_692_200_000,
            location: None,
            site_name: "湘家荡烟花爆竹经营部".into(),
            inspector_name: "张检查员".into(),
            inspection_code: "3F9A2C1B".into(),
            font: f,
        };
        process(&photo, &PhotoOptions { watermark: Some(wm), ..PhotoOptions::default() }).unwrap();
    }
    let grown = rss_kb().saturating_sub(before);
    println!("the process grew {grown} KB for a {file_kb} KB font");
    assert!(grown < file_kb / 2, "the process grew {grown} KB for a {file_kb} KB font");
}
