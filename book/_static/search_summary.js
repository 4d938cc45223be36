/*
 * Search results on the book's website: the text under each result starts where the searched
 * word first appears in the page's own text, not in its title, buttons or table of contents.
 */
(() => {
  const SKIP = [".headerlink", "script", "style", "h1", ".bd-header-article", ".book-links",
    ".bd-sidebar-secondary", ".prev-next-area", ".bd-footer-article", ".theme-switch-button",
    ".onlyprint"];
  const patch = () => {
    if (typeof Search === "undefined" || Search.bookSummary) return;
    Search.bookSummary = true;
    Search.htmlToText = (htmlString, anchor) => {
      const page = new DOMParser().parseFromString(htmlString, "text/html");
      page.querySelectorAll(SKIP.join(", ")).forEach((element) => element.remove());
      let main = null;
      try {
        main = anchor ? page.querySelector(`[role="main"] ${anchor}`) : null;
      } catch (error) {
        main = null; // an anchor that is no CSS selector: the whole page
      }
      main = main || page.querySelector('[role="main"]');
      return main ? main.textContent.replace(/\s+/g, " ") : "";
    };
  };
  patch();
  document.addEventListener("DOMContentLoaded", patch);
})();

/*
 * Sphinx's Korean catalogue has no text for "found N pages" (its plural forms are empty), so
 * the line under "검색 결과" stays blank; say it in Korean once the results are listed.
 */
document.addEventListener("DOMContentLoaded", () => {
  const results = document.getElementById("search-results");
  if (!results) return;
  new MutationObserver(() => {
    const heading = results.querySelector("h2");
    const summary = results.querySelector(".search-summary");
    if (!heading || heading.querySelector("span") || !summary || summary.textContent) return;
    const count = results.querySelectorAll("ul.search > li").length;
    summary.textContent = count
      ? `${count}개의 쪽에서 찾았습니다.`
      : "찾는 말이 있는 쪽이 없습니다. 낱말의 철자를 확인해 보세요.";
  }).observe(results, { childList: true, subtree: true, characterData: true });
});
