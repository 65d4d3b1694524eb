//! The watermark font costs the pages it draws from, not its file: a CJK
//! font of 5 MB (20 MB on Android) is mapped once per process, and a photo
//! watermarked with it grows the process by far less than the file.
//! Its own test binary, so nothing else moves the process's memory.

use redline_photo::{PhotoOptions, Watermark, WatermarkFont, process};

const FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

/// Resident memory in KB: (heap and other anonymous, file-backed).
fn rss_kb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| -> u64 {
        status.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)).unwrap().parse().unwrap()
    };
    (field("RssAnon:"), field("RssFile:"))
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
    // Photos without a watermark first: the pipeline's own buffers are
    // allocated (and kept by the allocator, whose threshold for handing
    // big blocks back moves after the first) before measuring.
    for _ in 0..3 {
        process(&photo, &PhotoOptions::default()).unwrap();
    }
    let (anon_before, file_before) = rss_kb();
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
    let (anon, file) = rss_kb();
    let (anon, file) = (anon.saturating_sub(anon_before), file.saturating_sub(file_before));
    println!("for a {file_kb} KB font the process grew {anon} KB of heap and {file} KB of mapped file");
    // Read whole, the font would be heap; mapped, only the pages drawn from
    // are resident, and they are file pages the system can drop.
    assert!(anon < file_kb / 4, "{anon} KB of heap for a {file_kb} KB font");
    assert!(file < file_kb / 2, "{file} KB of the {file_kb} KB font file resident");
}
