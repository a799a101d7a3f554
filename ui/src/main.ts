import { mount } from 'svelte';

import './app.css';
import App from './App.svelte';
import { chooseBackend } from './lib/backend';

const target = document.getElementById('app');
if (!target) throw new Error('missing #app');
mount(App, { target, props: { backend: await chooseBackend() } });
