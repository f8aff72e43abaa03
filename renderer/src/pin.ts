import { mount } from 'svelte';
import PinDialog from './pin/PinDialog.svelte';
import './styles/app.css';

mount(PinDialog, { target: document.getElementById('pin')! });
