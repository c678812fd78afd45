// Boot: Telegram's theme at once, then the catalogue (preloaded by index.html) and the sign-in
// with initData, side by side.
import { render } from "preact";
import { catalogue, signIn } from "./api";
import { App } from "./app";
import { Catalogue } from "./catalogue";
import { initData, inTelegram, setUpTelegram } from "./telegram";
import "./styles.css";

setUpTelegram();
const loadCatalogue = () => catalogue().then((lists) => new Catalogue(...lists));
const session = inTelegram ? signIn(initData()) : null;
session?.catch(() => undefined); // shown by the app; not an unhandled rejection

render(<App loadCatalogue={loadCatalogue} session={session} />, document.getElementById("app")!);
