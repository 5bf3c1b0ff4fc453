import Foundation

/// The console's page frame and small HTML helpers. Everything dynamic goes through `escape`.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func page(title: String, body: String, live: Bool = true) -> String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · Nimbus</title><style>\(style)</style></head>
        <body><header><a href="/console" class="brand">Nimbus</a>
        <form method="post" action="/console/logout"><button>Log out</button></form></header>
        <main id="main">\(body)</main>
        \(live ? refreshScript : "")</body></html>
        """
    }

    /// Reloads the page's main part every 5 s, so numbers and charts follow traffic without a full reload.
    static let refreshScript = """
        <script>
        setInterval(async () => {
          try {
            const r = await fetch(location.href, {credentials: 'same-origin'});
            if (!r.ok) return;
            const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
            const next = doc.getElementById('main');
            if (next) document.getElementById('main').innerHTML = next.innerHTML;
          } catch (e) {}
        }, 5000);
        </script>
        """

    static let style = """
        body{font-family:system-ui,sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
        header{display:flex;justify-content:space-between;align-items:center;padding:10px 24px;background:#1d2733}
        header .brand{color:#fff;font-weight:700;text-decoration:none;font-size:18px}
        header button{background:none;border:1px solid #8fa3b8;color:#fff;border-radius:4px;padding:4px 10px}
        main{padding:16px 24px;max-width:1200px}
        h1{font-size:22px;margin:8px 0 4px}h2{font-size:17px;margin:22px 0 8px}
        .muted{color:#5c6b7a}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
        .card{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:10px 14px;min-width:120px}
        .card .value{font-size:22px;font-weight:600}.card .label{font-size:12px;color:#5c6b7a}
        table{border-collapse:collapse;background:#fff;border:1px solid #dde3ea;width:100%}
        th,td{padding:6px 10px;border-bottom:1px solid #eef1f4;text-align:right;font-size:14px}
        th:first-child,td:first-child{text-align:left}th{background:#eef1f4;font-weight:600}
        .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:12px}
        .chart{background:#fff;border:1px solid #dde3ea;border-radius:6px;width:100%;height:auto}
        .chart-title{font-size:13px;font-weight:600;fill:#1d2733}.axis{font-size:10px;fill:#5c6b7a}
        .legend{font-size:11px}.grid{stroke:#eef1f4}
        nav.window a{margin-right:8px}pre{background:#fff;border:1px solid #dde3ea;padding:8px;overflow:auto;font-size:12px}
        .error{color:#b3261e}form.login{background:#fff;border:1px solid #dde3ea;padding:20px;max-width:380px}
        form.login input{display:block;width:100%;margin:4px 0 12px;padding:6px;box-sizing:border-box}
        """
}
