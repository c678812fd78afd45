// Boot: Telegram's theme at once; the catalogue (preloaded by index.html, so it arrives with
// this script); then the sign-in with initData together with the first screen's free times:
// two rounds of requests after the page itself.
import { render } from "preact";
import { catalogue, signIn } from "./api";
import { App } from "./app";
import { Catalogue } from "./catalogue";
import { initData, inTelegram, setUpTelegram } from "./telegram";
import "./styles.css";

setUpTelegram();
const loadCatalogue = () => catalogue().then((lists) => new Catalogue(...lists));
const startSession = inTelegram ? () => signIn(initData()) : null;

render(<App loadCatalogue={loadCatalogue} signIn={startSession} />, document.getElementById("app")!);
