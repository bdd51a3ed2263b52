/// `index.html`: a gallery of the delivered creatives that opens from disk (`file://`) with nothing else — no
/// network, no external file but the creatives themselves, shown by their relative paths. The manifest is
/// embedded as JSON in a `<script type="application/json">` (with `<`, `>`, `&`, U+2028 and U+2029 escaped as
/// `\uXXXX`, so no campaign text can close the script); the page's script reads it and builds the grid with
/// `textContent` only. Filters: size, each axis, tag, minimum score; sort by score or id; a creative's checks
/// and reasons show on hover (as a tooltip) and on click (in a panel).
struct Gallery: Sendable {
    /// The page for `manifest`.
    func html(_ manifest: Manifest) -> String {
        let name = Self.escaped(manifest.campaign.name)
        let delivered = manifest.creatives.count
        let summary = Self.escaped(
            "\(manifest.campaign.brand.name) · batch \(manifest.batch.id) · \(manifest.batch.state) · "
                + "\(delivered) of \(manifest.totals.creatives) creatives delivered")
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
            <title>\(name) — \(Self.escaped(manifest.batch.id))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <header>
            <h1>\(name)</h1>
            <p class="muted">\(summary)</p>
            </header>
            <form id="filters" onsubmit="return false">
            <label>Size <select id="f-size"><option value="">All sizes</option></select></label>
            <span id="f-axes"></span>
            <label>Tag <select id="f-tag"><option value="">Any tag</option></select></label>
            <label>Min. score <input id="f-min" type="range" min="0" max="1" step="0.05" value="0"> <output id="f-min-value">0.00</output></label>
            <label>Sort <select id="f-sort"><option value="score">Score, best first</option><option value="id">Id</option></select></label>
            </form>
            <p id="count" class="muted"></p>
            <main id="grid"></main>
            <aside id="detail" hidden></aside>
            <noscript><p>The gallery needs JavaScript; manifest.json and manifest.csv list every creative.</p></noscript>
            <script type="application/json" id="manifest">\(Self.embedded(manifest))</script>
            <script>\(Self.script)</script>
            </body>
            </html>

            """
    }

    /// `text` safe in HTML text and attribute values.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\u{0}": result += "\u{FFFD}"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// The manifest's JSON, safe inside a `<script>` element.
    static func embedded(_ manifest: Manifest) -> String {
        var result = ""
        for scalar in String(decoding: manifest.json(), as: UTF8.self).unicodeScalars {
            switch scalar {
            case "<": result += "\\u003c"
            case ">": result += "\\u003e"
            case "&": result += "\\u0026"
            case "\u{2028}": result += "\\u2028"
            case "\u{2029}": result += "\\u2029"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static let style = """
        :root{color-scheme:light;--ink:#18181b;--muted:#52525b;--line:#d4d4d8;--bg:#f4f4f5;--ok:#15803d;--warn:#b45309;--bad:#b91c1c}
        *{box-sizing:border-box}
        body{margin:0;padding:24px 32px;font:14px/1.4 "DejaVu Sans",system-ui,sans-serif;color:var(--ink);background:var(--bg)}
        h1{margin:0 0 4px;font-size:26px}
        .muted{color:var(--muted);margin:0 0 12px}
        form{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin:16px 0;padding:12px;background:#fff;border:1px solid var(--line);border-radius:8px}
        label{display:inline-flex;gap:6px;align-items:center}
        select,input{font:inherit}
        select{max-width:18em}
        #f-axes{display:contents}
        main{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:16px}
        figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px;cursor:pointer}
        figure:hover,figure:focus{outline:2px solid #2563eb}
        figure .frame{height:200px;display:flex;align-items:center;justify-content:center;background:#fafafa}
        figure img{max-width:100%;max-height:200px;object-fit:contain}
        figcaption{display:flex;justify-content:space-between;gap:8px;margin-top:6px;font-size:12px}
        .id{font-family:"DejaVu Sans Mono",monospace}
        .score{font-weight:bold}
        .good{color:var(--ok)}.fair{color:var(--warn)}.poor{color:var(--bad)}
        aside{position:fixed;top:0;right:0;bottom:0;width:min(480px,100%);overflow:auto;background:#fff;border-left:1px solid var(--line);padding:20px;box-shadow:-4px 0 16px rgba(0,0,0,.08)}
        aside img{max-width:100%;max-height:320px;display:block;margin:8px 0}
        aside table{border-collapse:collapse;width:100%;font-size:12px}
        aside td,aside th{border-bottom:1px solid var(--line);padding:4px;text-align:left;vertical-align:top}
        aside button{float:right}
        .tags{font-size:12px;color:var(--muted)}
        """

    static let script = """
        (function () {
          "use strict";
          var manifest = JSON.parse(document.getElementById("manifest").textContent);
          var creatives = manifest.creatives;
          var axes = manifest.campaign.axes;
          var $ = function (id) { return document.getElementById(id); };
          function el(tag, text, cls) {
            var node = document.createElement(tag);
            if (text !== undefined && text !== null) node.textContent = String(text);
            if (cls) node.className = cls;
            return node;
          }
          function option(select, value, label) {
            var o = el("option", label === undefined ? value : label);
            o.value = value;
            select.appendChild(o);
          }
          function fmt(x) { return x === null || x === undefined ? "\\u2013" : Number(x).toFixed(2); }
          function grade(x) { return x === null || x === undefined ? "" : x >= 0.75 ? "good" : x >= 0.5 ? "fair" : "poor"; }
          manifest.campaign.sizes.forEach(function (s) {
            option($("f-size"), s.id, s.id + " (" + s.width + "\\u00d7" + s.height + ")");
          });
          axes.forEach(function (axis, i) {
            var label = el("label", axis.name + " ");
            var select = el("select");
            select.id = "f-axis-" + i;
            option(select, "", "Any");
            axis.values.forEach(function (v) { option(select, v); });
            select.addEventListener("change", render);
            label.appendChild(select);
            $("f-axes").appendChild(label);
          });
          var tags = {};
          creatives.forEach(function (c) { c.tags.forEach(function (t) { tags[t] = true; }); });
          Object.keys(tags).sort().forEach(function (t) { option($("f-tag"), t); });
          function checksText(c) {
            return c.scores.map(function (k) {
              var verdict = k.passed === null ? "skipped" : k.passed ? "passed" : "failed";
              return k.name + ": " + fmt(k.score) + " (" + verdict + ") \\u2014 " + k.reason;
            }).join("\\n");
          }
          function show(c) {
            var panel = $("detail");
            panel.textContent = "";
            var close = el("button", "Close");
            close.type = "button";
            close.addEventListener("click", function () { panel.hidden = true; });
            panel.appendChild(close);
            panel.appendChild(el("h2", c.id, "id"));
            var img = el("img");
            img.src = c.file;
            img.alt = c.id;
            panel.appendChild(img);
            panel.appendChild(el("p", c.size_id + " \\u00b7 " + c.width + "\\u00d7" + c.height + " \\u00b7 " + c.format + " \\u00b7 " + c.bytes + " bytes"));
            panel.appendChild(el("p", "Score " + fmt(c.score), "score " + grade(c.score)));
            var table = el("table");
            var head = el("tr");
            ["check", "value", "threshold", "score", "reason"].forEach(function (h) { head.appendChild(el("th", h)); });
            table.appendChild(head);
            c.scores.forEach(function (k) {
              var row = el("tr");
              row.appendChild(el("td", k.name + (k.passed === null ? "" : k.passed ? " \\u2713" : " \\u2717")));
              row.appendChild(el("td", k.value === null ? "\\u2013" : Number(k.value).toPrecision(3)));
              row.appendChild(el("td", k.threshold === null ? "\\u2013" : Number(k.threshold).toPrecision(3)));
              row.appendChild(el("td", fmt(k.score), grade(k.score)));
              row.appendChild(el("td", k.reason));
              table.appendChild(row);
            });
            panel.appendChild(table);
            var dl = el("p");
            axes.forEach(function (axis) { dl.appendChild(el("div", axis.name + ": " + (c.axes[axis.name] || ""))); });
            panel.appendChild(dl);
            panel.appendChild(el("p", c.prompt, "tags"));
            panel.appendChild(el("p", c.tags.join(" \\u00b7 "), "tags"));
            panel.hidden = false;
          }
          function render() {
            var size = $("f-size").value, tag = $("f-tag").value, min = Number($("f-min").value);
            $("f-min-value").textContent = min.toFixed(2);
            var chosen = axes.map(function (axis, i) { return $("f-axis-" + i).value; });
            var list = creatives.filter(function (c) {
              if (size && c.size_id !== size) return false;
              if (tag && c.tags.indexOf(tag) < 0) return false;
              if (min > 0 && !(c.score >= min)) return false;
              for (var i = 0; i < axes.length; i++) {
                if (chosen[i] && c.axes[axes[i].name] !== chosen[i]) return false;
              }
              return true;
            });
            if ($("f-sort").value === "score") {
              list.sort(function (a, b) {
                var x = a.score === null ? -1 : a.score, y = b.score === null ? -1 : b.score;
                return y - x || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
              });
            } else {
              list.sort(function (a, b) { return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; });
            }
            var grid = $("grid");
            grid.textContent = "";
            list.forEach(function (c) {
              var figure = el("figure");
              figure.tabIndex = 0;
              figure.title = checksText(c);
              var frame = el("div", null, "frame");
              var img = el("img");
              img.src = c.file;
              img.alt = c.id;
              img.loading = "lazy";
              frame.appendChild(img);
              figure.appendChild(frame);
              var caption = el("figcaption");
              caption.appendChild(el("span", c.id, "id"));
              caption.appendChild(el("span", c.size_id));
              caption.appendChild(el("span", fmt(c.score), "score " + grade(c.score)));
              figure.appendChild(caption);
              figure.addEventListener("click", function () { show(c); });
              figure.addEventListener("keydown", function (e) { if (e.key === "Enter") show(c); });
              grid.appendChild(figure);
            });
            $("count").textContent = list.length + " of " + creatives.length + " creatives";
          }
          ["f-size", "f-tag", "f-min", "f-sort"].forEach(function (id) {
            $(id).addEventListener("input", render);
            $(id).addEventListener("change", render);
          });
          render();
        })();
        """
}
