// Checks an impact receipt's ledger proofs in the browser, trusting only
// the published seals: for every proof, SHA-256(0x00 ‖ leaf) and the audit
// path must give the root of the seal it names (RFC 9162, 2.1.3.2), and the
// leaf must be the entry it claims to be. The byte formats are those of
// docs/LEDGER.md. Progressive enhancement: without it the page still shows
// the receipt, and the proofs stay in its JSON.
(function () {
  "use strict";
  var box = document.getElementById("ledger-verify");
  if (!box) return;
  var button = box.querySelector("button");
  var result = box.querySelector(".verify-result");
  var list = box.querySelector(".verify-entries");
  var sumLine = box.querySelector(".verify-sum");
  var d = box.dataset;

  function say(template, values, state) {
    result.textContent = template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
    box.setAttribute("data-state", state);
  }

  if (!window.crypto || !window.crypto.subtle) {
    say(d.unsupported, {}, "unsupported");
    return;
  }
  button.hidden = false;

  function unhex(s) {
    var b = new Uint8Array(s.length / 2);
    for (var i = 0; i < b.length; i++) b[i] = parseInt(s.substr(2 * i, 2), 16);
    return b;
  }
  function hex(b) {
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  async function sha256(prefix, parts) {
    var n = 1;
    parts.forEach(function (p) { n += p.length; });
    var buf = new Uint8Array(n);
    buf[0] = prefix;
    var at = 1;
    parts.forEach(function (p) { buf.set(p, at); at += p.length; });
    return new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
  }

  // rootFromPath is RFC 9162's verification of an inclusion proof.
  async function rootFromPath(leafHash, index, size, path) {
    if (index < 0 || index >= size) return null;
    var fn = index, sn = size - 1, r = leafHash;
    for (var i = 0; i < path.length; i++) {
      if (sn === 0) return null;
      var p = unhex(path[i]);
      if ((fn & 1) === 1 || fn === sn) {
        r = await sha256(1, [p, r]);
        while ((fn & 1) === 0 && fn !== 0) { fn >>= 1; sn >>= 1; }
      } else {
        r = await sha256(1, [r, p]);
      }
      fn >>= 1; sn >>= 1;
    }
    return sn === 0 ? r : null;
  }

  // readLeaf decodes the fields the check needs: the entry's id, its order
  // and its amount.
  function readLeaf(bytes) {
    var v = new DataView(bytes.buffer), at = 0, ids = [];
    if (v.getUint8(at++) !== 1) throw new Error("unknown leaf version");
    var id = v.getBigInt64(at); at += 8;
    for (var i = 0; i < 5; i++) { // household, order, line, lot, cooperative
      var present = v.getUint8(at) === 1;
      ids.push(present ? v.getBigInt64(at + 1) : null);
      at += present ? 9 : 1;
    }
    at += v.getUint8(at) === 1 ? 5 + v.getUint32(at + 1) : 1; // village code
    return { id: id, order: ids[1], amount: v.getBigInt64(at) };
  }

  function yuan(fen) {
    var neg = fen < 0n, f = neg ? -fen : fen;
    return (neg ? "-" : "") + (f / 100n).toString() + "." + ("0" + (f % 100n).toString()).slice(-2);
  }

  async function getJSON(url) {
    var r = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!r.ok) throw new Error(url + ": " + r.status);
    return r.json();
  }

  async function verify() {
    button.disabled = true;
    list.textContent = "";
    sumLine.textContent = "";
    say(d.running, {}, "running");
    try {
      var receipt = await getJSON(d.receipt);
      var proofs = receipt.proofs || [];
      if (proofs.length === 0) { say(d.none, {}, "none"); return; }
      // Only this order's entries count, each once: proofs of another
      // order's sealed entries, or one proof twice, would verify against
      // the seals and pad the sum.
      var order = BigInt(d.order), seen = {}, seals = {}, sum = 0n;
      for (var i = 0; i < proofs.length; i++) {
        var p = proofs[i];
        if (!seals[p.seal_seq]) seals[p.seal_seq] = await getJSON(d.seal + p.seal_seq);
        var seal = seals[p.seal_seq];
        var leaf = unhex(p.leaf), entry = readLeaf(leaf);
        var root = await rootFromPath(await sha256(0, [leaf]), p.index, seal.entries, p.path);
        if (root === null || hex(root) !== seal.root || entry.id !== BigInt(p.entry_id)) {
          say(d.fail, { entry: p.entry_id, seal: p.seal_seq }, "fail");
          return;
        }
        if (entry.order !== order || seen[entry.id]) {
          say(seen[entry.id] ? d.twice : d.otherOrder, { entry: p.entry_id, order: d.order }, "fail");
          return;
        }
        seen[entry.id] = true;
        sum += entry.amount;
        var li = document.createElement("li");
        li.textContent = d.entryOk.replace("{entry}", p.entry_id).replace("{amount}", yuan(entry.amount)).replace("{seal}", p.seal_seq);
        list.appendChild(li);
      }
      say(d.ok, { n: proofs.length, order: d.order }, "ok");
      var total = BigInt(receipt.amount_fen);
      sumLine.textContent = (sum === total ? d.sumAll : d.sumPart).replace("{sum}", yuan(sum)).replace("{total}", yuan(total));
    } catch (e) {
      say(d.error, { error: e.message }, "error");
    } finally {
      button.disabled = false;
    }
  }
  button.addEventListener("click", verify);
})();
