// The job slip's buttons: print, and switch between A6 paper and a 58 mm receipt roll.
document.getElementById("print")?.addEventListener("click", () => window.print());
const paper = document.getElementById("paper");
paper?.addEventListener("click", () => {
  const receipt = document.body.classList.toggle("receipt");
  paper.textContent = receipt ? paper.dataset.a6 : paper.dataset.receipt;
});
