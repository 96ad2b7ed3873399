# bash completion for entropix: subcommands, each one's flags, and model
# names after -m/--model, pull, show and rm. Installed by `cmake --install`
# to share/bash-completion/completions/entropix; or: source this file.
_entropix() {
  local cur prev cmd words
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  cmd="${COMP_WORDS[1]}"
  local commands="run chat calibrate inspect pull list rm show bench eval"
  local models="smollm2-135m qwen2.5-coder-1.5b gemma3-270m"
  local model_flags="-m --model -t --threads -c --ctx-size --precision"
  local sampler_flags="--sampler --profile --temp --top-k --top-p --min-p"
  local prompt_flags="--sys --system-prompt -sys --template-system --chat --raw --chat-template --parse-special"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
    return
  fi
  case "$prev" in
    -m|--model) COMPREPLY=($(compgen -W "$models" -- "$cur") $(compgen -f -X '!*.gguf' -- "$cur")); return ;;
    -f|--file|--trace|--corpus|-o|--output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --sampler) COMPREPLY=($(compgen -W "greedy sample entropix lowT vote" -- "$cur")); return ;;
    --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    --precision) COMPREPLY=($(compgen -W "auto f32 q8" -- "$cur")); return ;;
    --chat-template) COMPREPLY=($(compgen -W "chatml llama3 gemma none" -- "$cur")); return ;;
    --task) COMPREPLY=($(compgen -W "gsm8k ifeval arith loops" -- "$cur")); return ;;
  esac
  local flags=""
  case "$cmd" in
    run) flags="$model_flags $sampler_flags $prompt_flags -p --prompt -f --file -n --n-predict -s --seed -q --quiet
                -cnv -no-cnv --cnv --no-cnv -ngl --ngl --trace --color --no-timings --show-pauses --budget --vote-profile" ;;
    chat) flags="$model_flags $sampler_flags $prompt_flags -n --n-predict -s --seed --color --show-pauses" ;;
    calibrate) flags="$model_flags --corpus -o --output --base --name -n --tokens-per-prompt --max-prompts -s --seed
                      --dump-signals" ;;
    inspect) flags="--all --json"; COMPREPLY=($(compgen -f -X '!*.gguf' -- "$cur")) ;;
    pull) flags="--list --force --json"; COMPREPLY=($(compgen -W "$models" -- "$cur")) ;;
    list) flags="--json" ;;
    rm|show) flags="--tensors --json"; COMPREPLY=($(compgen -W "$models" -- "$cur")) ;;
    bench) flags="$model_flags -p --n-prompt -n --n-gen -d --depth --batch --batch-prompt -r --repetitions --bandwidth-gbs --json" ;;
    eval) flags="$model_flags --task --samplers --split --draws --data -o --output --limit -s --seed -n --max-tokens
                 --difficulty --shots --raw --chat-template --system --prompt-style --resamples -q --quiet --rescore" ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$flags --help" -- "$cur")); fi
}
complete -o default -F _entropix entropix
