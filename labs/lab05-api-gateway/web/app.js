// Lab 05 front end: calls the café API with fetch(). The API's base URL comes from ?api=...
// A POST with a JSON body is not a "simple" request, so the browser first sends a CORS
// preflight (OPTIONS). If the API does not answer it with Access-Control-Allow-* headers for
// this page's origin, the browser blocks the call and fetch() rejects with a TypeError.
const api = new URLSearchParams(location.search).get("api") || "";
document.getElementById("api").textContent = api || "(no ?api= given)";
const statusBox = document.getElementById("status");
const list = document.getElementById("items");

function show(text, kind) {
  statusBox.textContent = text;
  statusBox.className = kind;
}

async function call(path, options) {
  try {
    const response = await fetch(api + path, options);
    const body = await response.json();
    if (!response.ok) {
      show(`The API answered ${response.status}: ${body.message || JSON.stringify(body)}`, "error");
      return null;
    }
    return body;
  } catch (err) {
    // The browser hides the details from the page on purpose; they are in the developer console.
    show(`Blocked by the browser (CORS): ${err.message}. See the developer console.`, "error");
    return null;
  }
}

document.getElementById("menu").addEventListener("click", async () => {
  const body = await call("/menu", { method: "GET" });
  if (!body) return;
  list.innerHTML = "";
  for (const item of body.items) {
    const li = document.createElement("li");
    li.textContent = `${item.name} — $${item.price.toFixed(2)}`;
    list.appendChild(li);
  }
  show(`Menu loaded: ${body.items.length} items.`, "ok");
});

document.getElementById("order").addEventListener("click", async () => {
  const body = await call("/orders", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ item: "tea" }),
  });
  if (body) show(`Order ${body.order_id} confirmed: ${body.item}.`, "ok");
});
