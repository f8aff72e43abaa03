import { mount } from 'svelte';
import App from './components/App.svelte';
import './styles/app.css';
import { app } from './state/app.svelte.ts';

mount(App, { target: document.getElementById('app')! });
void app.start();
