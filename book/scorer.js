/*
 * Search result order for the book's website (html_search_scorer in book/conf.py).
 * Sphinx's own scores, plus: a page whose title holds a searched word comes first (searching
 * 콘볼루션 lands on "4.3.1 콘볼루션과 풀링"), and among equal scores the page that comes first
 * in the book's navigation (the lecture note's order) comes first.
 */
var Scorer = {
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
  score: (result) => {
    const [docname, title, , , score] = result;
    const stemmer = new Stemmer();
    const stems = (text) =>
      splitQuery(text.toLowerCase()).map((word) => stemmer.stemWord(word));
    const query = new URLSearchParams(window.location.search).get("q") || "";
    const pageTitle = stems(title.split(" > ")[0]);
    const inTitle = stems(query).filter((word) => pageTitle.includes(word)).length;
    const order = [...document.querySelectorAll(".bd-sidebar-primary a.reference.internal")]
      .map((a) => new URL(a.href).pathname.replace(/\.html$/, ""));
    const place = order.findIndex((path) => path.endsWith("/" + docname));
    const tieBreak = place < 0 ? 0 : (order.length - place) / (order.length + 1);
    return score + 20 * inTitle + tieBreak;
  },
};
