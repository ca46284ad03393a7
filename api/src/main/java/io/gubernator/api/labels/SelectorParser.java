package io.gubernator.api.labels;

import io.gubernator.api.validation.FieldError;
import io.gubernator.api.validation.NameValidation;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Recursive-descent parser for the label selector string syntax. It reproduces the grammar and the error
 * wording of Kubernetes' parser (including {@code >} and {@code <}, which the real parser accepts even
 * though the documentation does not mention them).
 */
final class SelectorParser {

  private enum Tok {
    ERROR, END, CLOSE_PAREN, COMMA, NOT, DOUBLE_EQUALS, EQUALS, GREATER, IDENT, IN, LESS, NOT_EQUALS, NOT_IN,
    OPEN_PAREN
  }

  private record Item(Tok tok, String text) {
  }

  /** Whether the words {@code in}/{@code notin} are keywords (after a key) or plain identifiers (values). */
  private enum Context { KEY_AND_OPERATOR, VALUES }

  private static final String BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt";

  private final List<Item> items;
  private int pos;

  private SelectorParser(String input) {
    this.items = scan(input);
  }

  static List<Requirement> parse(String input) {
    return new SelectorParser(input).parseAll();
  }

  private List<Requirement> parseAll() {
    List<Requirement> out = new ArrayList<>();
    while (true) {
      Item next = peek(Context.VALUES);
      switch (next.tok()) {
        case IDENT, NOT -> {
          out.add(parseRequirement());
          Item after = take(Context.VALUES);
          switch (after.tok()) {
            case END -> {
              return out;
            }
            case COMMA -> {
              Item following = peek(Context.VALUES);
              if (following.tok() != Tok.IDENT && following.tok() != Tok.NOT) {
                throw new SelectorException("found '" + following.text() + "', expected: identifier after ','");
              }
            }
            default -> throw new SelectorException(
                "found '" + after.text() + "', expected: ',' or 'end of string'");
          }
        }
        case END -> {
          return out;
        }
        default -> throw new SelectorException(
            "found '" + next.text() + "', expected: !, identifier, or 'end of string'");
      }
    }
  }

  private Requirement parseRequirement() {
    Operator op = null;
    Item keyItem = take(Context.VALUES);
    if (keyItem.tok() == Tok.NOT) {
      op = Operator.DOES_NOT_EXIST;
      keyItem = take(Context.VALUES);
    }
    if (keyItem.tok() != Tok.IDENT) {
      throw requirementError("found '" + keyItem.text() + "', expected: identifier");
    }
    String key = keyItem.text();
    List<String> keyErrs = NameValidation.isQualifiedName(key);
    if (!keyErrs.isEmpty()) {
      // Kubernetes validates the key here with an empty field path, which Go prints as "<nil>".
      throw requirementError(FieldError.invalid("<nil>", key, String.join("; ", keyErrs)).message());
    }
    Tok following = peek(Context.VALUES).tok();
    if (following == Tok.END || following == Tok.COMMA) {
      return build(key, op == null ? Operator.EXISTS : op, List.of());
    }
    if (op == Operator.DOES_NOT_EXIST) {
      // "!key" followed by more tokens: the requirement ends here and the caller reports the stray token.
      return build(key, op, List.of());
    }
    op = parseOperator();
    TreeSet<String> values = switch (op) {
      case IN, NOT_IN -> parseValueSet();
      default -> parseExactValue();
    };
    // Kubernetes collects values in a sorted set, so they come out deduplicated and in order.
    return build(key, op, new ArrayList<>(values));
  }

  private static Requirement build(String key, Operator op, List<String> values) {
    List<FieldError> errs = Requirement.validate(key, op, values);
    if (!errs.isEmpty()) {
      throw requirementError(Requirement.aggregate(errs));
    }
    return new Requirement(key, op, values);
  }

  private Operator parseOperator() {
    Item item = take(Context.KEY_AND_OPERATOR);
    return switch (item.tok()) {
      case IN -> Operator.IN;
      case NOT_IN -> Operator.NOT_IN;
      case EQUALS -> Operator.EQUALS;
      case DOUBLE_EQUALS -> Operator.DOUBLE_EQUALS;
      case NOT_EQUALS -> Operator.NOT_EQUALS;
      case GREATER -> Operator.GREATER_THAN;
      case LESS -> Operator.LESS_THAN;
      default -> throw requirementError("found '" + item.text() + "', expected: " + BINARY_OPERATORS);
    };
  }

  private TreeSet<String> parseValueSet() {
    Item open = take(Context.VALUES);
    if (open.tok() != Tok.OPEN_PAREN) {
      throw requirementError("found '" + open.text() + "' expected: '('");
    }
    Item first = peek(Context.VALUES);
    switch (first.tok()) {
      case IDENT, COMMA -> {
        TreeSet<String> values = parseIdentifierList();
        take(Context.VALUES); // the ')' that parseIdentifierList saw ahead
        return values;
      }
      case CLOSE_PAREN -> {
        take(Context.VALUES);
        TreeSet<String> values = new TreeSet<>();
        values.add("");
        return values;
      }
      default -> throw requirementError("found '" + first.text() + "', expected: ',', ')' or identifier");
    }
  }

  /** Comma-separated identifiers where an empty slot (as in {@code (a,,b)} or {@code (,a)}) means "". */
  private TreeSet<String> parseIdentifierList() {
    TreeSet<String> values = new TreeSet<>();
    while (true) {
      Item item = take(Context.VALUES);
      switch (item.tok()) {
        case IDENT -> {
          values.add(item.text());
          Item next = peek(Context.VALUES);
          switch (next.tok()) {
            case COMMA -> { }
            case CLOSE_PAREN -> {
              return values;
            }
            default -> throw requirementError("found '" + next.text() + "', expected: ',' or ')'");
          }
        }
        case COMMA -> {
          if (values.isEmpty()) {
            values.add("");
          }
          Tok next = peek(Context.VALUES).tok();
          if (next == Tok.CLOSE_PAREN) {
            values.add("");
            return values;
          }
          if (next == Tok.COMMA) {
            take(Context.VALUES);
            values.add("");
          }
        }
        default -> throw requirementError("found '" + item.text() + "', expected: ',', or identifier");
      }
    }
  }

  private TreeSet<String> parseExactValue() {
    TreeSet<String> values = new TreeSet<>();
    Tok next = peek(Context.VALUES).tok();
    if (next == Tok.END || next == Tok.COMMA) {
      values.add("");
      return values;
    }
    Item item = take(Context.VALUES);
    if (item.tok() != Tok.IDENT) {
      throw requirementError("found '" + item.text() + "', expected: identifier");
    }
    values.add(item.text());
    return values;
  }

  private static SelectorException requirementError(String detail) {
    return new SelectorException("unable to parse requirement: " + detail);
  }

  private Item peek(Context ctx) {
    return contextual(items.get(pos), ctx);
  }

  private Item take(Context ctx) {
    Item item = items.get(pos);
    // The END item is sticky, so a malformed input can never run past the token list.
    if (item.tok() != Tok.END) {
      pos++;
    }
    return contextual(item, ctx);
  }

  private static Item contextual(Item item, Context ctx) {
    if (ctx == Context.VALUES && (item.tok() == Tok.IN || item.tok() == Tok.NOT_IN)) {
      return new Item(Tok.IDENT, item.text());
    }
    return item;
  }

  // ---- lexer ----

  private static List<Item> scan(String s) {
    List<Item> out = new ArrayList<>();
    int i = 0;
    int n = s.length();
    while (true) {
      while (i < n && isWhitespace(s.charAt(i))) {
        i++;
      }
      if (i >= n) {
        out.add(new Item(Tok.END, ""));
        return out;
      }
      char c = s.charAt(i);
      if (isSpecial(c)) {
        // Longest run of special characters that still forms a known operator.
        int j = i;
        Tok best = null;
        int bestEnd = i;
        while (j < n && isSpecial(s.charAt(j))) {
          j++;
          Tok t = symbol(s.substring(i, j));
          if (t != null) {
            best = t;
            bestEnd = j;
          } else if (best != null) {
            break;
          }
        }
        if (best == null) {
          out.add(new Item(Tok.ERROR, "error expected: keyword found '" + s.substring(i, j) + "'"));
          i = j;
        } else {
          out.add(new Item(best, s.substring(i, bestEnd)));
          i = bestEnd;
        }
      } else {
        int j = i;
        while (j < n && !isSpecial(s.charAt(j)) && !isWhitespace(s.charAt(j))) {
          j++;
        }
        String word = s.substring(i, j);
        Tok t = switch (word) {
          case "in" -> Tok.IN;
          case "notin" -> Tok.NOT_IN;
          default -> Tok.IDENT;
        };
        out.add(new Item(t, word));
        i = j;
      }
    }
  }

  private static Tok symbol(String s) {
    return switch (s) {
      case ")" -> Tok.CLOSE_PAREN;
      case "(" -> Tok.OPEN_PAREN;
      case "," -> Tok.COMMA;
      case "!" -> Tok.NOT;
      case "==" -> Tok.DOUBLE_EQUALS;
      case "=" -> Tok.EQUALS;
      case ">" -> Tok.GREATER;
      case "<" -> Tok.LESS;
      case "!=" -> Tok.NOT_EQUALS;
      default -> null;
    };
  }

  private static boolean isWhitespace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  private static boolean isSpecial(char c) {
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
  }
}
