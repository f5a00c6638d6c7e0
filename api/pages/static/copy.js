// Adds a "Copy" button next to every field marked data-copy. The page works without it:
// the fields are read-only and can be selected and copied by hand.
for (const field of document.querySelectorAll("[data-copy]")) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.textContent = field.dataset.copy;
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      document.execCommand("copy");
    }
    button.textContent = field.dataset.copied || button.textContent;
  });
  field.after(button);
}
