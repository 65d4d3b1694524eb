//! A browser for the dashboard scenarios, without a browser: reqwest with
//! the session and language cookies, form and multipart posts as a browser
//! sends them, redirects left unfollowed so a test sees where a form sends
//! it, and the few page readings the tests share (the forms' CSRF token,
//! values in hidden inputs).

use crate::TestServer;

/// The password the scenarios give the users who sign in.
pub const PASSWORD: &str = "correct horse battery";
const FORM: &str = "application/x-www-form-urlencoded";

/// A form body as a browser sends it.
pub fn form(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| redline_web::pages::urlencode(s);
    fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

/// Gives `user` the scenarios' password.
pub async fn with_password(server: &TestServer, user: &str) {
    redline_admin::sessions::set_password(server.state.storage.as_ref(), user, PASSWORD).await.expect("password");
}

/// What a page answered: status, then the `Location` of a redirect or the body.
pub type Answer = (u16, String);

pub struct Browser {
    pub url: String,
    pub http: reqwest::Client,
    pub cookie: Option<String>,
    pub lang: &'static str,
}

impl Browser {
    pub fn new(server: &TestServer) -> Browser {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Browser { url: server.url.clone(), http, cookie: None, lang: "zh" }
    }

    /// A browser signed in as `user` (who has [`PASSWORD`]).
    pub async fn signed_in(server: &TestServer, user: &str) -> Browser {
        let mut b = Browser::new(server);
        assert_eq!(b.sign_in(user, PASSWORD).await.0, 303, "{user} signs in");
        b
    }

    pub fn cookies(&self) -> String {
        let mut c = format!("lang={}", self.lang);
        if let Some(s) = &self.cookie {
            c.push_str("; ");
            c.push_str(s);
        }
        c
    }

    pub async fn sign_in(&mut self, user: &str, password: &str) -> Answer {
        let r = self
            .http
            .post(format!("{}/login", self.url))
            .header("content-type", FORM)
            .body(form(&[("user", user), ("password", password)]))
            .send()
            .await
            .expect("sent");
        let status = r.status().as_u16();
        if let Some(set) = r.headers().get("set-cookie") {
            let set = set.to_str().expect("ASCII").to_string();
            assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"), "{set}");
            self.cookie = Some(set.split(';').next().expect("a pair").to_string());
        }
        (status, r.text().await.expect("body"))
    }

    async fn answer(r: reqwest::Response) -> Answer {
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|l| l.to_str().expect("ASCII").to_string());
        let body = r.text().await.expect("body");
        (status, location.unwrap_or(body))
    }

    pub async fn get(&self, path: &str) -> Answer {
        Self::answer(self.http.get(format!("{}{path}", self.url)).header("cookie", self.cookies()).send().await.expect("sent")).await
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let r =
            self.http.post(format!("{}{path}", self.url)).header("cookie", self.cookies()).header("content-type", FORM).body(form(fields));
        Self::answer(r.send().await.expect("sent")).await
    }

    /// A `multipart/form-data` post: text fields, then an optional file
    /// field `(name, bytes)`.
    pub async fn post_multipart(&self, path: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Answer {
        let boundary = "----redline-test-boundary-7d1f";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
        }
        if let Some((name, bytes)) = file {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"upload\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            body.extend(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").as_bytes());
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .header("cookie", self.cookies())
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body);
        Self::answer(r.send().await.expect("sent")).await
    }

    /// The CSRF token the page's forms carry.
    pub async fn csrf(&self) -> String {
        let page = self.get("/hazards").await.1;
        let at = page.find("name=\"csrf\" value=\"").expect("a form") + 19;
        page[at..at + 64].to_string()
    }
}

/// Every value of the hidden inputs named `name` on a page, unescaped.
pub fn hidden_values(page: &str, name: &str) -> Vec<String> {
    let marker = format!("name=\"{name}\" value=\"");
    page.split(&marker).skip(1).map(|rest| unescape(&rest[..rest.find('"').expect("closing quote")])).collect()
}

/// The text of an HTML attribute or text node, as the templates escape it.
pub fn unescape(s: &str) -> String {
    [
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(s.to_string(), |s, (escaped, plain)| s.replace(escaped, plain))
}
