//! Makes the demo district's photos with the phone's own capture pipeline
//! (`photo::process`: downscale, burn in the watermark, re-encode, thumbnail)
//! and writes them as fixtures to `server/demo/photos/`, where the server's
//! demo seed ships them (the server binary carries no image stack).
//!
//! The camera pictures are drawn here (walls, shelves, drums, a gauge...),
//! so the fixtures are reproducible without a camera:
//!
//!     cargo run -p redline-device --example demo_photos
//!
//! The watermark's time is the fixture's own (below), the site, inspector
//! and inspection code are those of the demo visit each photo belongs to.

use image::{ImageEncoder, Rgb, RgbImage};
use redline_device::photo::{PhotoOptions, Watermark, WatermarkFont, process};
use redline_device::site::GeoPoint;

const FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
const OUT: &str = "server/demo/photos";
/// 2026-11-16 10:00 China time.
const TAKEN: i64 = 1_795_226_400_000;

/// What a photo shows, drawn as a few shapes on a wall.
#[derive(Clone, Copy)]
enum Scene {
    /// Drums on a floor, one with a stain beside it.
    Drums { stain: bool },
    /// Shelves of red boxes, stacked up to the ceiling or not.
    Shelves { overfull: bool },
    /// A round pressure gauge with its needle.
    Gauge { red: bool },
    /// A gas hose along a kitchen wall.
    Hose { cracked: bool },
    /// A signature: a dark scribble on white.
    Scribble(u32),
}

struct Shot {
    key: &'static str,
    scene: Scene,
    site: &'static str,
    by: &'static str,
    inspection: &'static str,
    lat: f64,
    lon: f64,
}

const SHOTS: &[Shot] = &[
    Shot {
        key: "chem-stain",
        scene: Scene::Drums { stain: true },
        site: "湘家荡精细化工仓储",
        by: "张检查员",
        inspection: "6F1D0001",
        lat: 30.8231,
        lon: 120.8512,
    },
    Shot {
        key: "chem-fixed",
        scene: Scene::Drums { stain: false },
        site: "湘家荡精细化工仓储",
        by: "王安全员",
        inspection: "6F1D0001",
        lat: 30.8231,
        lon: 120.8512,
    },
    Shot {
        key: "fw-overfull",
        scene: Scene::Shelves { overfull: true },
        site: "七星烟花爆竹零售点",
        by: "张检查员",
        inspection: "6F1D0003",
        lat: 30.7952,
        lon: 120.8236,
    },
    Shot {
        key: "fw-fixed",
        scene: Scene::Shelves { overfull: false },
        site: "七星烟花爆竹零售点",
        by: "陈安全员",
        inspection: "6F1D0003",
        lat: 30.7952,
        lon: 120.8236,
    },
    Shot {
        key: "boiler-gauge",
        scene: Scene::Gauge { red: true },
        site: "湘家荡供暖锅炉房",
        by: "张检查员",
        inspection: "6F1D0005",
        lat: 30.8177,
        lon: 120.8608,
    },
    Shot {
        key: "dust-duct",
        scene: Scene::Hose { cracked: false },
        site: "湘家荡木制品加工厂",
        by: "王安全员",
        inspection: "6F1D0009",
        lat: 30.8260,
        lon: 120.8455,
    },
    Shot {
        key: "extinguisher",
        scene: Scene::Gauge { red: false },
        site: "七星油漆涂料门市",
        by: "张检查员",
        inspection: "6F1D000B",
        lat: 30.7980,
        lon: 120.8270,
    },
    Shot {
        key: "exit-blocked",
        scene: Scene::Shelves { overfull: true },
        site: "七星小商品市场",
        by: "张检查员",
        inspection: "6F1D000F",
        lat: 30.7900,
        lon: 120.8300,
    },
    Shot {
        key: "kitchen-hose",
        scene: Scene::Hose { cracked: true },
        site: "七星老街农家菜馆",
        by: "陈安全员",
        inspection: "6F1D0007",
        lat: 30.7921,
        lon: 120.8190,
    },
];

fn shade(x: u32, y: u32, w: u32, h: u32) -> Rgb<u8> {
    // A lit wall over a grey floor.
    if y > h * 2 / 3 {
        let v = 110 + (x * 30 / w) as u8;
        Rgb([v, v, v - 10])
    } else {
        let v = 200 - (y * 40 / h) as u8;
        Rgb([v, v - 6, v - 20])
    }
}

fn rect(img: &mut RgbImage, x0: u32, y0: u32, w: u32, h: u32, c: Rgb<u8>) {
    for y in y0..(y0 + h).min(img.height()) {
        for x in x0..(x0 + w).min(img.width()) {
            img.put_pixel(x, y, c);
        }
    }
}

fn disc(img: &mut RgbImage, cx: i64, cy: i64, r: i64, c: Rgb<u8>) {
    for y in (cy - r).max(0)..(cy + r).min(img.height() as i64) {
        for x in (cx - r).max(0)..(cx + r).min(img.width() as i64) {
            if (x - cx).pow(2) + (y - cy).pow(2) <= r * r {
                img.put_pixel(x as u32, y as u32, c);
            }
        }
    }
}

fn draw(scene: Scene, w: u32, h: u32) -> RgbImage {
    let mut img = RgbImage::from_fn(w, h, |x, y| shade(x, y, w, h));
    match scene {
        Scene::Drums { stain } => {
            for k in 0..4 {
                rect(&mut img, 120 + k * 300, h / 3, 220, h / 2, Rgb([30, 80 + 20 * k as u8, 160]));
                rect(&mut img, 120 + k * 300, h / 3 + 40, 220, 18, Rgb([200, 200, 40]));
            }
            if stain {
                disc(&mut img, 560, (h * 7 / 8) as i64, 150, Rgb([60, 50, 30]));
            }
        }
        Scene::Shelves { overfull } => {
            let top = if overfull { 30 } else { h / 3 };
            for row in 0..4 {
                rect(&mut img, 80, h / 4 + row * h / 6, w - 160, 14, Rgb([90, 60, 30]));
            }
            let mut y = top;
            while y < h * 5 / 6 {
                for x in (100..w - 200).step_by(140) {
                    rect(&mut img, x, y, 120, 90, Rgb([200, 30, 30]));
                }
                y += 110;
            }
        }
        Scene::Gauge { red } => {
            disc(&mut img, w as i64 / 2, h as i64 / 2, 320, Rgb([240, 240, 235]));
            disc(&mut img, w as i64 / 2, h as i64 / 2, 300, Rgb([250, 250, 250]));
            let end = if red { 0.8f64 } else { 0.3 };
            for s in 0..280 {
                let a = std::f64::consts::PI * (1.25 - 1.5 * end);
                let (x, y) = (w as f64 / 2.0 + a.cos() * s as f64, h as f64 / 2.0 - a.sin() * s as f64);
                disc(&mut img, x as i64, y as i64, 6, Rgb([20, 20, 20]));
            }
            rect(&mut img, w / 2 + 120, h / 2 - 280, 140, 40, Rgb([210, 30, 30]));
        }
        Scene::Hose { cracked } => {
            for x in 0..w {
                let y = h / 2 + ((x as f64 / 90.0).sin() * 40.0) as u32;
                rect(&mut img, x, y, 1, 26, Rgb([230, 170, 40]));
            }
            if cracked {
                rect(&mut img, w / 2, h / 2 - 50, 30, 120, Rgb([40, 40, 40]));
            }
        }
        Scene::Scribble(seed) => {
            let mut img = RgbImage::from_pixel(w, h, Rgb([255, 255, 255]));
            for t in 0..2000u32 {
                let f = t as f64 / 2000.0;
                let x = 40.0 + f * (w as f64 - 80.0);
                let y = h as f64 / 2.0 + ((f * (7 + seed) as f64).sin() * 0.3 + (f * 23.0).cos() * 0.1) * h as f64;
                disc(&mut img, x as i64, y as i64, 3, Rgb([20, 20, 60]));
            }
            return img;
        }
    }
    img
}

fn jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = vec![];
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
        .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8)
        .expect("encode the camera picture");
    out
}

fn main() {
    std::fs::create_dir_all(OUT).expect("fixture folder");
    let font = WatermarkFont::from_file(FONT).expect("WenQuanYi Micro Hei (apt install fonts-wqy-microhei)");
    let mut manifest = vec![];
    for s in SHOTS {
        let watermark = Watermark {
            time: TAKEN,
            location: Some(GeoPoint { lat: s.lat, lon: s.lon }),
            site_name: s.site.into(),
            inspector_name: s.by.into(),
            inspection_code: s.inspection.into(),
            font: font.clone(),
        };
        let opts = PhotoOptions { max_edge: 800, quality: 70, thumb_edge: 240, watermark: Some(watermark) };
        let p = process(&jpeg(&draw(s.scene, 1600, 1200)), &opts).expect("pipeline");
        std::fs::write(format!("{OUT}/{}.jpg", s.key), &p.jpeg).expect("write photo");
        std::fs::write(format!("{OUT}/{}.thumb.jpg", s.key), &p.thumbnail).expect("write thumbnail");
        manifest.push(format!("{} {} {} {}", s.key, p.width, p.height, p.jpeg.len()));
        println!("{:<14} {}x{}  {} KB, thumbnail {} KB", s.key, p.width, p.height, p.jpeg.len() / 1024, p.thumbnail.len() / 1024);
    }
    for (n, key) in ["sign-inspector", "sign-enterprise"].iter().enumerate() {
        let img = draw(Scene::Scribble(n as u32 * 5), 480, 160);
        let mut png = vec![];
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8)
            .expect("encode signature");
        std::fs::write(format!("{OUT}/{key}.png"), &png).expect("write signature");
        println!("{key:<14} signature {} KB", png.len() / 1024);
    }
    std::fs::write(format!("{OUT}/manifest.txt"), manifest.join("\n") + "\n").expect("manifest");
}
